// What the console's screen tests share: a real console API (the switchboard's
// createApiServer on 127.0.0.1, in-memory users and phones) and the real App
// rendered by ink-testing-library, with settings in a temporary folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setImmediate as macrotask } from 'node:timers/promises';
import { render } from 'ink-testing-library';
import React from 'react';
import type { QueuedCaller } from '../../source/api/messages.js';
import { App } from '../../source/console/app.js';
import type { DeskPhone } from '../../source/console/desk-phone.js';
import { catalogues, type Language } from '../../source/console/i18n/index.js';
import { SettingsFile } from '../../source/console/settings.js';
import { memoryUsers, people, startApi, type TestApi, type TestUser } from '../api/support.js';
import { eventually } from '../e2e/support/wait.js';

/** A dispatcher who may also configure: the office manager. */
export const dora: TestUser = { login: 'dora', password: 'dora-secret', displayName: 'Dora Szefowa', roles: ['dispatcher', 'configure'] };

export async function startConsoleApi(options: Parameters<typeof startApi>[0] = {}): Promise<TestApi> {
  return startApi({ users: memoryUsers([...Object.values(people), dora]), ...options });
}

export function tempSettings(values: Parameters<SettingsFile['update']>[0] = {}): { settings: SettingsFile; dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'console-test-'));
  const settings = new SettingsFile(dir);
  const stored = settings.update(values);
  if (!stored.ok) throw new Error(`bad test settings: ${JSON.stringify(stored.problems)}`);
  return { settings, dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface RenderedConsole {
  instance: ReturnType<typeof render>;
  settings: SettingsFile;
  bells: { count: number };
  frame(): string;
  /** Waits until the last frame passes the test (or contains the text). */
  see(expected: string | RegExp | ((frame: string) => boolean), what?: string): Promise<string>;
  /** Sends keys as a terminal would, one macrotask after the previous render. */
  press(keys: string): Promise<void>;
  /** Types text one character at a time, as a dispatcher does. */
  type(text: string): Promise<void>;
  /** Sets the terminal's size and tells Ink it changed. */
  resize(columns: number, rows: number): void;
  close(): void;
}

export const keys = { tab: '\t', enter: '\r', escape: '\x1b', up: '\x1b[A', down: '\x1b[B', backspace: '\x7f' } as const;

export function renderConsole(o: { server: string; language?: Language; settings?: Parameters<SettingsFile['update']>[0]; deskPhone?: DeskPhone; user?: string }): RenderedConsole {
  const temp = tempSettings({ server: o.server, ...o.settings });
  const bells = { count: 0 };
  const instance = render(
    <App t={catalogues[o.language ?? 'en']} settings={temp.settings} server={o.server} ringBell={() => bells.count++} backoff={{ firstMs: 50, maxMs: 200, jitter: 0 }} deskPhone={o.deskPhone} user={o.user} />,
  );
  const size = { columns: 80, rows: 24 };
  Object.defineProperty(instance.stdout, 'columns', { get: () => size.columns, configurable: true });
  Object.defineProperty(instance.stdout, 'rows', { get: () => size.rows, configurable: true });
  instance.stdout.emit('resize');
  const frame = () => instance.lastFrame() ?? '';
  return {
    instance,
    settings: temp.settings,
    bells,
    frame,
    async see(expected, what) {
      const test =
        typeof expected === 'function' ? expected : typeof expected === 'string' ? (f: string) => f.includes(expected) : (f: string) => expected.test(f);
      try {
        await eventually(() => test(frame()), 5_000, what ?? String(expected));
      } catch (error) {
        throw new Error(`${(error as Error).message}\nlast frame:\n${frame()}`);
      }
      // A frame is written before React runs the new screen's effects, which
      // is where Ink starts listening for its keys: let them run.
      for (let i = 0; i < 3; i++) await macrotask();
      return frame();
    },
    async press(sequence) {
      await macrotask();
      instance.stdin.write(sequence);
      await macrotask();
    },
    async type(text) {
      for (const character of text) await this.press(character);
    },
    resize(columns, rows) {
      size.columns = columns;
      size.rows = rows;
      instance.stdout.emit('resize');
    },
    close() {
      instance.unmount();
      instance.cleanup();
      temp.remove();
    },
  };
}

/** `count` callers waiting, the oldest first, none ringing. */
export function waitingCallers(count: number, now = Date.now()): QueuedCaller[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `caller-${i + 1}`,
    from: `+48 600 ${String(100_000 + i).slice(-6)}`,
    waitingSince: now - (count - i) * 1000,
    ringing: [],
  }));
}
