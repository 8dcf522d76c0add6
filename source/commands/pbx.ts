// `dispatcher pbx`: the switchboard. Composes the store, the SIP server (the
// embedded one in this process, or a real drachtio-server), the drachtio-srf
// app with its registrar, the station board and the console API; says where
// it listens; and takes it all down again in the reverse order on a signal.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import path from 'node:path';
import Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import { createApiServer, type ApiServer } from '../api/server.js';
import { createLogger } from '../log.js';
import { createSipServer, type SipServer } from '../sip-server/index.js';
import { EmbeddedMedia } from '../media/index.js';
import { openStore, type Store } from '../store/index.js';
import { DigestGuard } from '../switchboard/digest-guard.js';
import { CallDistribution } from '../switchboard/distribution.js';
import { Registrar } from '../switchboard/registrar.js';
import { StationBoard } from '../switchboard/stations.js';
import type { PbxConfig } from './pbx-config.js';
import { firstStopSignal } from './stop-signal.js';

export interface Pbx {
  store: Store;
  sip: { control: { host: string; port: number }; endpoints: Array<{ transport: 'udp' | 'tcp'; address: string; port: number }> };
  api: ApiServer;
  registrar: Registrar;
  board: StationBoard;
  distribution: CallDistribution;
  close(): Promise<void>;
}

/** Makes the first administrator when the database has no users; returns its password to show once. */
function ensureAdministrator(store: Store, configured: string | undefined): string | undefined {
  if (store.users.count() > 0) return undefined;
  const password = configured ?? randomBytes(12).toString('base64url');
  store.users.add({ login: 'admin', password, displayName: 'Administrator', roles: ['dispatcher', 'configure'] });
  return password;
}

async function connectApp(host: string, port: number, secret: string, log: Logger): Promise<{ srf: Srf; hostports: string }> {
  const srf = new Srf();
  srf.connect({ host, port, secret });
  // srf retries by itself after a drop; a refused secret is final.
  srf.on('error', (err: Error) => log.warn({ err: err.message }, 'connection to the SIP server failed; retrying'));
  const [err, hostports] = (await once(srf, 'connect')) as [Error | null, string];
  if (err) throw new Error(`the SIP server refused the switchboard: ${err.message}`);
  log.info({ hostports }, 'switchboard connected to the SIP server');
  return { srf, hostports };
}

export async function startPbx(config: PbxConfig, log: Logger): Promise<Pbx> {
  const cleanup: Array<() => Promise<void> | void> = [];
  const undo = async () => {
    for (const step of cleanup.reverse()) await step();
  };
  try {
    const store = openStore(config.dataDir);
    cleanup.push(() => store.close());
    // Call-log commits stay short: the WAL is checkpointed by a worker thread, not by them.
    store.checkpointInBackground({ onError: (message) => log.warn(`background WAL checkpoint failed: ${message}`) });
    const adminPassword = ensureAdministrator(store, config.adminPassword);
    if (adminPassword && !config.adminPassword) {
      // Shown once, on stdout, so it is not copied into log files.
      process.stdout.write(`First start: created user "admin" with password: ${adminPassword}\n`);
    } else if (adminPassword) {
      log.info('first start: created user "admin" with the given password');
    }

    let sipServer: SipServer | undefined;
    let control: { host: string; port: number; secret: string };
    if (config.drachtio) {
      control = config.drachtio;
    } else {
      // The control port is internal to this process: loopback, any free port, a random secret.
      const secret = randomBytes(18).toString('base64url');
      sipServer = await createSipServer({ contacts: config.contacts, admin: { address: '127.0.0.1', port: 0 }, secret, t1: config.t1, logger: log.child({ component: 'sip' }) });
      cleanup.push(() => sipServer!.close());
      control = { host: sipServer.control.address, port: sipServer.control.port, secret };
    }

    const { srf, hostports } = await connectApp(control.host, control.port, control.secret, log);
    cleanup.push(() => srf.disconnect());
    const endpoints = sipServer?.endpoints ?? parseHostports(hostports);

    // One guard for REGISTER and for INVITEs from phones: a password guesser
    // gets the same few tries in total, whichever request it guesses with.
    const guard = new DigestGuard({
      phones: store.phones,
      realm: config.domain,
      algorithms: config.digestAlgorithms,
      authFailLimit: config.authFailLimit,
      authFailWindowMs: config.authFailWindowSeconds * 1000,
    });
    const registrar = new Registrar({
      srf,
      phones: store.phones,
      guard,
      minExpires: config.registerMinExpires,
      maxExpires: config.registerMaxExpires,
      optionsPingMs: config.optionsPingSeconds * 1000,
      log: log.child({ component: 'registrar' }),
    });
    srf.use('register', (req, res) => registrar.handleRegister(req, res));
    // Phones keep NAT bindings open with OPTIONS; answer them.
    srf.use('options', (_req, res) => res.send(200));
    registrar.start();
    cleanup.push(() => registrar.stop());

    const board = new StationBoard({ now: Date.now, leaseMs: config.leaseMs });
    cleanup.push(() => board.close());
    const sipAddress = endpoints.find((e) => e.transport === 'udp') ?? endpoints[0];
    const api = await createApiServer({
      host: config.api.host,
      port: config.api.port,
      users: store.users,
      phones: store.phones,
      registrations: registrar,
      board,
      leaseMs: config.leaseMs,
      loginFailLimit: config.loginFailLimit,
      loginLockMs: config.loginLockSeconds * 1000,
      publicSipAddress: { host: sipAddress?.address ?? '127.0.0.1', port: sipAddress?.port ?? 5060, transport: sipAddress?.transport ?? 'udp' },
      domain: config.domain,
      realm: config.domain,
      log,
    });
    cleanup.push(() => api.close());

    // RTP on the address phones already reach the switchboard at.
    const media = new EmbeddedMedia({ bindAddress: sipAddress?.address ?? '127.0.0.1', ports: config.rtpPorts, log: log.child({ component: 'media' }) });
    await media.start();
    cleanup.push(() => media.close());
    const distribution = new CallDistribution({
      srf,
      registrations: registrar,
      guard,
      phones: store.phones,
      board,
      media,
      calls: store.calls,
      log: log.child({ component: 'calls' }),
      queueNumber: config.queueNumber,
      trunks: config.trunks,
      waiting: config.waiting,
      strategy: config.strategy,
      ringTimeoutMs: config.ringTimeoutSeconds * 1000,
      missedBeforePause: config.missedBeforePause,
      wrapUpMs: config.wrapUpSeconds * 1000,
      overflowAfterMs: config.overflowAfterSeconds === undefined ? undefined : config.overflowAfterSeconds * 1000,
      overflowTo: config.overflowTo,
      recordingsDir: config.record ? path.join(config.dataDir, 'recordings') : undefined,
      publishQueue: (callers) => api.publishQueue(callers),
    });
    distribution.start();
    cleanup.push(() => distribution.close());

    return {
      store,
      sip: { control: { host: control.host, port: control.port }, endpoints },
      api,
      registrar,
      board,
      distribution,
      close: undo,
    };
  } catch (err) {
    await undo();
    throw err;
  }
}

/** `udp/127.0.0.1:5060,tcp/127.0.0.1:5060`, as drachtio-server reports its SIP listeners. */
function parseHostports(text: string | undefined): Pbx['sip']['endpoints'] {
  const list: Pbx['sip']['endpoints'] = [];
  for (const item of (text ?? '').split(',')) {
    const m = /^(udp|tcp)\/\[?([^\]]+?)\]?:(\d+)$/.exec(item.trim());
    if (m) list.push({ transport: m[1] as 'udp' | 'tcp', address: m[2]!, port: Number(m[3]) });
  }
  return list;
}

/** Runs until a stop signal; resolves to the process exit code. */
export async function runPbx(config: PbxConfig): Promise<number> {
  const log = createLogger(config.loglevel, 'pbx');
  const stopRequested = firstStopSignal(log);
  let pbx: Pbx;
  try {
    pbx = await startPbx(config, log);
  } catch (err) {
    log.fatal({ err }, `switchboard could not start: ${(err as Error).message}`);
    return 1;
  }
  for (const e of pbx.sip.endpoints) log.info({ endpoint: e }, `SIP listening on ${e.transport} ${e.address}:${e.port}`);
  log.info({ data: pbx.store.file }, `data in ${pbx.store.file}`);
  const signal = await stopRequested;
  log.info({ signal }, `${signal} received, stopping`);
  try {
    await pbx.close();
  } catch (err) {
    log.error({ err }, `switchboard did not stop cleanly: ${(err as Error).message}`);
    return 1;
  }
  log.info('stopped');
  return 0;
}
