// The one place loggers are made: pino, structured JSON, on stderr so that
// stdout stays free for a command's own output (help, a console's screen).
import { pino, type Logger } from 'pino';

export const logLevels = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof logLevels)[number];

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (logLevels as readonly string[]).includes(value);
}

export function createLogger(level: LogLevel, name = 'dispatcher'): Logger {
  // Synchronous writes: a server stopped by a signal exits right after its last
  // log line, and an async stream would drop that line.
  return pino({ name, level }, pino.destination({ dest: 2, sync: true }));
}
