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
