// Entry point of the embedded SIP server: binds the SIP contacts and the
// drachtio control port, and hands both to the core. Library use:
//   const server = await createSipServer({ contacts, admin, secret, t1 });
//   ... srf.connect({ host: server.control.address, port: server.control.port, secret })
//   await server.close();
import net from 'node:net';
import pino from 'pino';
import { SipCore } from './core.js';
import type { SipServer, SipServerOptions } from './options.js';
import { timersFor } from './transactions.js';
import { Transports } from './transport.js';

export type { SipServer, SipServerOptions, SipEndpoint, SipTransportName } from './options.js';
export { SERVER_VERSION } from './core.js';

export const DEFAULT_CONTACT = 'sip:127.0.0.1:5060;transport=udp,tcp';
export const DEFAULT_CONTROL_PORT = 9022;

export async function createSipServer(opts: SipServerOptions): Promise<SipServer> {
  const log = opts.logger ?? pino({ level: 'silent' });
  const timers = timersFor(opts.t1 ?? 500);
  let core: SipCore | undefined;
  const transports = new Transports(opts.contacts?.length ? opts.contacts : [DEFAULT_CONTACT], {
    message: (r) => core?.onNetworkMessage(r),
    malformed: (err, r) => core?.onMalformed(err, r),
  }, log);
  const endpoints = await transports.start();
  core = new SipCore({ transports, secret: opts.secret, timers, log });
  const control = net.createServer({ noDelay: true }, (socket) => core!.attach(socket));
  const address = opts.admin?.address ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      control.once('error', reject);
      control.listen({ port: opts.admin?.port ?? DEFAULT_CONTROL_PORT, host: address }, () => {
        control.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await transports.close();
    throw new Error(`cannot listen for apps on ${address}:${opts.admin?.port ?? DEFAULT_CONTROL_PORT}: ${(err as Error).message}`);
  }
  control.on('error', (err) => log.error({ err }, 'control listener error'));
  const bound = control.address() as net.AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    control: { address: bound.address, port: bound.port },
    endpoints,
    stats: () => core!.stats(),
    close() {
      closing ??= (async () => {
        core!.close();
        await Promise.all([new Promise<void>((r) => control.close(() => r())), transports.close()]);
      })();
      return closing;
    },
  };
}
