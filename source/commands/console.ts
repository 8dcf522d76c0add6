// `dispatcher` with no command: the console. Reads the settings, picks the
// language and the switchboard, then hands over to the interactive screens
// or, for kiosks and whenever stdout is not a terminal, to the headless mode.
// Both are imported only once chosen, so neither loads the other's modules.
import { chooseLanguage } from '../console/i18n/index.js';
import { prepareInkEnvironment, withoutFetch } from '../console/ink-environment.js';
import { SettingsError, SettingsFile } from '../console/settings.js';
import { defaultServer, type ConsoleOptions } from './console-config.js';

export async function runConsole(options: ConsoleOptions): Promise<number> {
  let settings: SettingsFile;
  try {
    settings = new SettingsFile(options.settingsDir);
  } catch (error) {
    process.stderr.write(`dispatcher: ${error instanceof SettingsError ? error.message : String(error)}\n`);
    return 1;
  }
  if (options.language) settings.update({ language: options.language });
  const stored = settings.read();
  const server = options.server ?? stored.server ?? defaultServer;
  const headless = options.headless ?? !process.stdout.isTTY;

  if (headless) {
    const { runHeadless } = await import('../console/headless/run.js');
    return runHeadless({
      server,
      settings,
      user: options.user,
      password: options.password,
      extension: options.extension,
      paused: options.paused,
      out: process.stdout,
      err: process.stderr,
      stopSignal: stopSignal(),
    });
  }
  // Before Ink and React are first loaded, which happens just below.
  prepareInkEnvironment(process.env);
  const { runInteractive } = await withoutFetch(() => import('../console/interactive.js'));
  return runInteractive({ settings, server, user: options.user, language: chooseLanguage(options.language, stored.language, process.env) });
}

/**
 * Resolves on the first SIGTERM or SIGINT; one more, a while later, exits at once.
 * conf's file writer (through `when-exit`) answers the first signal by raising
 * it again right away, so a second signal within the first second is that echo,
 * not someone insisting.
 */
function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let firstAt: number | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (firstAt === undefined) {
        firstAt = Date.now();
        resolve(signal);
      } else if (Date.now() - firstAt > echoWindowMs) {
        process.exit(1);
      }
    };
    process.on('SIGTERM', onSignal).on('SIGINT', onSignal);
  });
}

const echoWindowMs = 1_000;
