// `dispatcher` with no command: the console. Reads the settings, picks the
// language and the switchboard, then hands over to the interactive screens
// or, for kiosks and whenever stdout is not a terminal, to the headless mode.
// Both are imported only once chosen, so neither loads the other's modules.
import { chooseLanguage } from '../console/i18n/index.js';
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
  const { runInteractive } = await import('../console/interactive.js');
  return runInteractive({ settings, server, language: chooseLanguage(options.language, stored.language, process.env) });
}

/** Resolves on the first SIGTERM or SIGINT; a second one exits at once. */
function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received) process.exit(1);
      received = true;
      resolve(signal);
    };
    process.on('SIGTERM', onSignal).on('SIGINT', onSignal);
  });
}
