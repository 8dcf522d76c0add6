// How long-running commands (sip-server, pbx) learn that they should stop.
import type { Logger } from 'pino';

const stopSignals = ['SIGINT', 'SIGTERM'] as const;

/**
 * Resolves on the first SIGINT/SIGTERM. The handlers stay installed for the
 * life of the process (removing them would restore the default, fatal action):
 * a second signal means someone wants out now, not after a slow close.
 */
export function firstStopSignal(logger: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (!received) {
        received = true;
        resolve(signal);
        return;
      }
      logger.warn({ signal }, `${signal} received again, exiting without a clean stop`);
      process.exit(1);
    };
    for (const s of stopSignals) process.on(s, onSignal);
  });
}
