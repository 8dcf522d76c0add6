// What the process environment must say before Ink and React are first
// loaded, for the interactive console (and the demo's console) to draw.
// Both libraries read the environment once, when their modules load, so this
// runs before the dynamic import that brings them in.

/** Environment variables Ink's `is-in-ci` reads to decide that it runs in a CI log. */
const ciFlags = ['CI', 'CONTINUOUS_INTEGRATION'] as const;

/**
 * - Ink treats a set `CI` as "no live terminal": it then draws nothing until
 *   the app exits, and only the last frame. The interactive console only runs
 *   on a terminal (without one it is headless), and a dispatcher's screen that
 *   stays blank because a build server's variable leaked into the kiosk's
 *   environment is a dead station; so the flags are dropped here.
 * - React's development build keeps debugging records of every render: a
 *   console showing a busy queue all day grew by ~270 KB per queue update. Under
 *   tsx this picks the production build; the bundle in dist/ has it compiled in.
 */
export function prepareInkEnvironment(env: NodeJS.ProcessEnv): void {
  for (const flag of ciFlags) delete env[flag];
  env.NODE_ENV ??= 'production';
}

/**
 * Runs `load` (the import that brings Ink in) with the global `fetch` hidden.
 * Ink's layout engine, yoga, is WebAssembly embedded as a data: URL; its
 * loader fetches that URL when `fetch` exists, which first loads Node's whole
 * HTTP client (undici) and then decodes the module through it: ~35 ms of a
 * console's cold start, against ~5 ms for decoding it directly, which the
 * loader does when there is no `fetch`. Only for a process where nothing else
 * runs meanwhile (the console alone): a fetch from elsewhere would fail.
 * Reading the property descriptor, not `fetch` itself, keeps undici unloaded.
 */
export async function withoutFetch<T>(load: () => Promise<T>): Promise<T> {
  const fetchProperty = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  if (!fetchProperty?.configurable) return load();
  Object.defineProperty(globalThis, 'fetch', { value: undefined, configurable: true, writable: true });
  try {
    return await load();
  } finally {
    Object.defineProperty(globalThis, 'fetch', fetchProperty);
  }
}
