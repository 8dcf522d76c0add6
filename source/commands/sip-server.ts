// `dispatcher sip-server`: the embedded SIP server alone, as a drop-in for
// drachtio-server. Starts it from a validated config, says where it listens,
// and stops it cleanly on SIGINT/SIGTERM.
import type { Logger } from 'pino';
import { createLogger } from '../log.js';
import { createSipServer } from '../sip-server/index.js';
import type { SipServer } from '../sip-server/options.js';
import type { SipServerConfig } from './sip-server-config.js';
import { firstStopSignal } from './stop-signal.js';

/** Runs until a stop signal; resolves to the process exit code. */
export async function runSipServer(config: SipServerConfig): Promise<number> {
  const logger = createLogger(config.loglevel, 'sip-server');
  // Listen for signals before anything else: once the listeners are announced
  // a supervisor may stop us at once, and a signal arriving before its handler
  // is installed would kill the process without a clean close.
  const stopRequested = firstStopSignal(logger);
  let server: SipServer;
  try {
    server = await createSipServer({
      contacts: config.contacts,
      admin: config.control,
      secret: config.secret,
      t1: config.t1,
      logger,
    });
  } catch (error) {
    logger.fatal({ err: error }, `SIP server could not start: ${(error as Error).message}`);
    return 1;
  }
  announce(server, logger);

  const signal = await stopRequested;
  logger.info({ signal }, `${signal} received, stopping`);
  try {
    await server.close();
  } catch (error) {
    logger.error({ err: error }, `SIP server did not close cleanly: ${(error as Error).message}`);
    return 1;
  }
  logger.info('stopped');
  return 0;
}

function announce(server: SipServer, logger: Logger): void {
  const { address, port } = server.control;
  logger.info({ control: server.control }, `control (drachtio protocol) listening on ${hostPort(address, port)}`);
  for (const endpoint of server.endpoints) {
    logger.info(
      { endpoint },
      `SIP listening on ${endpoint.transport} ${hostPort(endpoint.address, endpoint.port)}`,
    );
  }
}

function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
