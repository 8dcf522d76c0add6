// Starts the Ink app on the terminal and waits for the dispatcher to leave.
// Ctrl+C is the `q` key (release the station first), not Ink's instant exit.
import { render } from 'ink';
import React from 'react';
import { App } from './app.js';
import type { DeskPhone } from './desk-phone.js';
import { catalogues, type Language } from './i18n/index.js';
import type { SettingsFile } from './settings.js';

export interface InteractiveOptions {
  settings: SettingsFile;
  server: string;
  language: Language;
  /** `dispatcher demo`: the station's phone in this process, answered with keys. */
  deskPhone?: DeskPhone;
  startReady?: boolean;
  /** --user: filled in on the login screen. */
  user?: string;
  /** Signals that close the console (default SIGTERM and SIGHUP; the demo adds SIGINT). */
  closeOn?: readonly NodeJS.Signals[];
}

export async function runInteractive(o: InteractiveOptions): Promise<number> {
  const instance = render(<App t={catalogues[o.language]} settings={o.settings} server={o.server} deskPhone={o.deskPhone} startReady={o.startReady} user={o.user} />, { exitOnCtrlC: false });
  // A closed terminal or a service stop: the socket closes with the process,
  // which releases the station on the switchboard at once. `on`, not `once`:
  // conf's file writer raises the signal again, which must not kill us mid-way.
  let unmounted = false;
  const unmount = () => {
    if (unmounted) return;
    unmounted = true;
    instance.unmount();
  };
  const signals = o.closeOn ?? ['SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, unmount);
  try {
    await instance.waitUntilExit();
    return 0;
  } catch (error) {
    process.stderr.write(`dispatcher: ${(error as Error).message}\n`);
    return 1;
  }
}
