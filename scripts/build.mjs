// npm run build: the `dispatcher` command as it ships, in dist/.
//
// Bundled with esbuild rather than compiled file by file, because a
// dispatcher's console starts on lightweight terminals: loading Ink, React,
// yargs and conf as hundreds of small modules took ~1.4 s and ~90 MB, one
// bundle loads in a fraction of that. Each command stays a chunk of its own
// (cli.tsx imports them on demand), so the console never loads the
// switchboard's SIP, media or database code, nor they the console's.
// Type checking is `npm run typecheck`; esbuild only strips the types.
//
//   node scripts/build.mjs [--outdir <folder inside the package>]
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
// Another folder is for tests; it must be inside the package, where the
// bundle finds package.json and sounds/ by walking up.
const { values } = parseArgs({ options: { outdir: { type: 'string', default: 'dist' } } });
const outdir = path.resolve(root, values.outdir);
rmSync(outdir, { recursive: true, force: true });

await build({
  absWorkingDir: root,
  entryPoints: ['cli.tsx'],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  // React's production build: the development one keeps a record of every render.
  define: { 'process.env.NODE_ENV': '"production"' },
  external: [
    // Native addon, found by its own loader at run time.
    'better-sqlite3',
    // Loads its transports by file name in worker threads.
    'pino',
    // CommonJS with run-time requires of its own files.
    'drachtio-srf',
    // ws's optional native speed-ups, required inside try/catch.
    'bufferutil',
    'utf-8-validate',
  ],
  alias: {
    // Ink imports the React devtools only when run with DEV=true; a console
    // never is, and the package is not installed.
    'react-devtools-core': './scripts/build-no-devtools.mjs',
  },
  // Bundled CommonJS packages (yargs' helpers, qrcode, sdp-transform) call require().
  banner: { js: "import { createRequire as __dispatcherRequire } from 'node:module'; const require = __dispatcherRequire(import.meta.url);" },
  logLevel: 'warning',
});
