// SIP transports: the UDP sockets and TCP listeners named by the server's
// contacts, TCP stream framing, and the table of open TCP connections (flows)
// that lets the server reach a peer over the connection it already has, as
// RFC 3261 18 and the drachtio server do.
import dgram from 'node:dgram';
import net from 'node:net';
import type { Logger } from 'pino';
import { parseUri, hostPort } from './address.js';
import {
  findHeaderEnd, MAX_BODY_BYTES, MAX_HEADER_BYTES, parseHead, parseMessage, SipParseError, validate,
  type SipMessage,
} from './message.js';
import type { SipEndpoint, SipTransportName } from './options.js';

export interface Flow {
  readonly key: string;
  readonly socket: net.Socket;
}

export interface Received {
  msg: SipMessage;
  bytes: number;
  transport: SipTransportName;
  remote: { address: string; port: number };
  local: SipEndpoint;
  flow?: Flow;
}

export interface Target {
  transport: SipTransportName;
  address: string;
  port: number;
  /** Prefer this TCP connection when it is still open. */
  flow?: Flow;
}

export interface Sent {
  transport: SipTransportName;
  local: { address: string; port: number };
  flow?: Flow;
}

interface ContactSpec {
  host: string;
  port: number;
  transports: SipTransportName[];
}

export function parseContact(contact: string): ContactSpec {
  const uri = parseUri(contact);
  if (!uri || (uri.scheme !== 'sip' && uri.scheme !== 'sips')) throw new Error(`invalid contact "${contact}": expected sip:host[:port][;transport=udp,tcp]`);
  if (net.isIP(uri.host) === 0 && uri.host !== 'localhost') throw new Error(`invalid contact "${contact}": the host must be an IP address`);
  const requested = (uri.params.get('transport') ?? 'udp,tcp').toLowerCase().split(',').filter(Boolean);
  const transports: SipTransportName[] = [];
  for (const t of requested) {
    if (t !== 'udp' && t !== 'tcp') throw new Error(`invalid contact "${contact}": transport ${t} is not supported (udp, tcp)`);
    if (!transports.includes(t)) transports.push(t);
  }
  return { host: uri.host === 'localhost' ? '127.0.0.1' : uri.host, port: uri.port ?? 5060, transports };
}

export interface TransportEvents {
  message(r: Received): void;
  /** A message that could not be parsed; `partial` is whatever could be read. */
  malformed(err: SipParseError, r: Omit<Received, 'msg'>): void;
}

export class Transports {
  readonly endpoints: SipEndpoint[] = [];
  private readonly udp: Array<{ endpoint: SipEndpoint; socket: dgram.Socket }> = [];
  private readonly tcp: Array<{ endpoint: SipEndpoint; server: net.Server }> = [];
  private readonly flows = new Map<string, Flow>();
  /** Extra names for a flow, e.g. the Contact a phone registered over it. */
  private readonly aliases = new Map<string, Flow>();
  private closed = false;
  /** Checked once: a per-message log line costs too much to build when nobody reads it. */
  private readonly debug: boolean;

  constructor(
    private readonly contacts: string[],
    private readonly events: TransportEvents,
    private readonly log: Logger,
  ) {
    this.debug = log.isLevelEnabled('debug');
  }

  private trace(direction: 'in' | 'out', transport: SipTransportName, address: string, port: number, data: Buffer | SipMessage): void {
    const first = Buffer.isBuffer(data) ? data.toString('utf8', 0, Math.max(0, data.indexOf('\r\n'))) : data.startLine();
    this.log.debug({ peer: `${transport}/${hostPort(address, port)}` }, `sip ${direction}: ${first}`);
  }

  async start(): Promise<SipEndpoint[]> {
    for (const contact of this.contacts) {
      const spec = parseContact(contact);
      await this.bindContact(spec);
    }
    return this.endpoints;
  }

  private async bindContact(spec: ContactSpec): Promise<void> {
    // With port 0 the UDP socket picks the number and TCP must get the same
    // one; another process may hold it, so try a few times.
    for (let attempt = 0; ; attempt++) {
      const udp: Array<{ endpoint: SipEndpoint; socket: dgram.Socket }> = [];
      const tcp: Array<{ endpoint: SipEndpoint; server: net.Server }> = [];
      let port = spec.port;
      try {
        for (const t of spec.transports) {
          if (t === 'udp') {
            const socket = await this.bindUdp(spec.host, port);
            port = socket.address().port;
            udp.push({ endpoint: { transport: 'udp', address: spec.host, port }, socket });
          } else {
            const server = await this.bindTcp(spec.host, port);
            port = (server.address() as net.AddressInfo).port;
            tcp.push({ endpoint: { transport: 'tcp', address: spec.host, port }, server });
          }
        }
      } catch (err) {
        // Undo the half of the pair that did bind before trying again.
        await Promise.all([
          ...udp.map((u) => new Promise<void>((r) => u.socket.close(() => r()))),
          ...tcp.map((t) => new Promise<void>((r) => t.server.close(() => r()))),
        ]);
        const retry = spec.port === 0 && attempt < 20 && (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
        if (retry) continue;
        throw new Error(`cannot listen for SIP on ${hostPort(spec.host, spec.port)}: ${(err as Error).message}`);
      }
      for (const u of udp) {
        this.udp.push(u);
        this.endpoints.push(u.endpoint);
        u.socket.on('message', (buf, rinfo) => this.onDatagram(buf, rinfo, u.endpoint));
      }
      for (const t of tcp) {
        this.tcp.push(t);
        this.endpoints.push(t.endpoint);
        t.server.on('connection', (socket) => this.adoptSocket(socket, t.endpoint));
      }
      return;
    }
  }

  private bindUdp(host: string, port: number): Promise<dgram.Socket> {
    return new Promise((resolve, reject) => {
      const socket = dgram.createSocket({ type: net.isIP(host) === 6 ? 'udp6' : 'udp4', recvBufferSize: 8 * 1024 * 1024, sendBufferSize: 4 * 1024 * 1024 });
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        socket.on('error', (err) => this.log.warn({ err }, 'udp socket error'));
        resolve(socket);
      });
    });
  }

  private bindTcp(host: string, port: number): Promise<net.Server> {
    return new Promise((resolve, reject) => {
      const server = net.createServer({ noDelay: true });
      server.once('error', reject);
      server.listen({ port, host, exclusive: true }, () => {
        server.off('error', reject);
        server.on('error', (err) => this.log.warn({ err }, 'tcp listener error'));
        resolve(server);
      });
    });
  }

  private onDatagram(buf: Buffer, rinfo: dgram.RemoteInfo, local: SipEndpoint): void {
    // Keep-alive CRLFs and other whitespace-only datagrams carry nothing.
    if (buf.length <= 4 && buf.toString('latin1').trim() === '') return;
    const remote = { address: rinfo.address, port: rinfo.port };
    try {
      const msg = parseMessage(buf);
      if (this.debug) this.trace('in', 'udp', rinfo.address, rinfo.port, msg);
      this.events.message({ msg, bytes: buf.length, transport: 'udp', remote, local });
    } catch (err) {
      const parseError = err instanceof SipParseError ? err : new SipParseError(String(err));
      this.events.malformed(parseError, { bytes: buf.length, transport: 'udp', remote, local });
    }
  }

  private adoptSocket(socket: net.Socket, local: SipEndpoint, key = hostPort(socket.remoteAddress ?? '?', socket.remotePort ?? 0)): Flow {
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    const flow: Flow = { key, socket };
    this.flows.set(key, flow);
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      pending = this.drainStream(pending, flow, local);
    });
    socket.on('error', (err) => this.log.debug({ err, peer: key }, 'tcp connection error'));
    socket.on('close', () => this.forgetFlow(flow));
    return flow;
  }

  /** Cuts whole messages off the front of a TCP stream; returns what is left over. */
  private drainStream(buf: Buffer, flow: Flow, local: SipEndpoint): Buffer {
    const remote = { address: flow.socket.remoteAddress ?? '', port: flow.socket.remotePort ?? 0 };
    let offset = 0;
    while (offset < buf.length) {
      // RFC 5626 keep-alive: a double CRLF ping is answered with a single CRLF.
      if (buf[offset] === 13 || buf[offset] === 10) {
        if (buf.length - offset >= 4 && buf.toString('latin1', offset, offset + 4) === '\r\n\r\n') {
          flow.socket.write('\r\n');
          offset += 4;
          continue;
        }
        offset++;
        continue;
      }
      const end = findHeaderEnd(buf, offset);
      if (!end) {
        if (buf.length - offset > MAX_HEADER_BYTES) return this.reject(flow, local, remote, 'header section too large');
        break;
      }
      if (end.at - offset > MAX_HEADER_BYTES) return this.reject(flow, local, remote, 'header section too large');
      let msg: SipMessage;
      try {
        msg = parseHead(buf.toString('utf8', offset, end.at));
      } catch (err) {
        // Without a readable head the stream cannot be re-synchronised.
        return this.reject(flow, local, remote, (err as Error).message, err as SipParseError);
      }
      const declared = msg.get('content-length') ?? '0';
      if (!/^\d+$/.test(declared)) return this.reject(flow, local, remote, 'bad Content-Length', new SipParseError('bad Content-Length', msg));
      const length = Number(declared);
      if (length > MAX_BODY_BYTES) return this.reject(flow, local, remote, 'body too large', new SipParseError('body too large', msg));
      const bodyStart = end.at + end.length;
      if (buf.length < bodyStart + length) break;
      msg.body = Buffer.from(buf.subarray(bodyStart, bodyStart + length));
      const bytes = bodyStart + length - offset;
      offset = bodyStart + length;
      try {
        validate(msg);
      } catch (err) {
        const parseError = err instanceof SipParseError ? err : new SipParseError(String(err), msg);
        this.events.malformed(parseError, { bytes, transport: 'tcp', remote, local, flow });
        continue;
      }
      if (this.debug) this.trace('in', 'tcp', remote.address, remote.port, msg);
      this.events.message({ msg, bytes, transport: 'tcp', remote, local, flow });
    }
    return offset === 0 ? buf : buf.subarray(offset);
  }

  private reject(flow: Flow, local: SipEndpoint, remote: { address: string; port: number }, reason: string, err?: SipParseError): Buffer {
    this.events.malformed(err ?? new SipParseError(reason), { bytes: 0, transport: 'tcp', remote, local, flow });
    // Let a 400 written by the handler above go out before closing.
    flow.socket.end();
    flow.socket.destroySoon?.();
    return Buffer.alloc(0);
  }

  private forgetFlow(flow: Flow): void {
    if (this.flows.get(flow.key) === flow) this.flows.delete(flow.key);
    for (const [alias, f] of this.aliases) if (f === flow) this.aliases.delete(alias);
  }

  /** Remembers that `hostport` (e.g. a registered Contact) is reached over this flow. */
  alias(hostport: string, flow: Flow): void {
    if (!flow.socket.destroyed) this.aliases.set(hostport, flow);
  }

  localFor(transport: SipTransportName, remoteAddress?: string): SipEndpoint {
    const family = remoteAddress && net.isIP(remoteAddress) === 6 ? 6 : 4;
    const list = this.endpoints.filter((e) => e.transport === transport);
    return list.find((e) => net.isIP(e.address) === family) ?? list[0] ?? this.endpoints[0]!;
  }

  hasTransport(transport: SipTransportName): boolean {
    return this.endpoints.some((e) => e.transport === transport);
  }

  /**
   * Sends bytes; `done` gets an error when the peer cannot be reached (TCP
   * connect refused, no such transport), which callers turn into 503.
   */
  send(target: Target, data: Buffer, done?: (err?: Error) => void): Sent {
    if (this.debug) this.trace('out', target.transport, target.address, target.port, data);
    if (this.closed) {
      done?.(new Error('server is closing'));
      return { transport: target.transport, local: { address: '', port: 0 } };
    }
    if (target.transport === 'udp') {
      const u = this.udpFor(target.address);
      if (!u) {
        queueMicrotask(() => done?.(new Error('no UDP transport')));
        return { transport: 'udp', local: { address: '', port: 0 } };
      }
      u.socket.send(data, target.port, target.address, (err) => done?.(err ?? undefined));
      return { transport: 'udp', local: { address: u.endpoint.address, port: u.endpoint.port } };
    }
    const flow = this.flowFor(target);
    if (!flow) {
      queueMicrotask(() => done?.(new Error('no TCP transport')));
      return { transport: 'tcp', local: { address: '', port: 0 } };
    }
    flow.socket.write(data, (err) => done?.(err ?? undefined));
    const local = this.localFor('tcp', target.address);
    return {
      transport: 'tcp',
      local: { address: flow.socket.localAddress ?? local.address, port: flow.socket.localPort ?? local.port },
      flow,
    };
  }

  private udpFor(address: string) {
    const family = net.isIP(address) === 6 ? 6 : 4;
    return this.udp.find((u) => net.isIP(u.endpoint.address) === family) ?? this.udp[0];
  }

  private flowFor(target: Target): Flow | undefined {
    if (target.flow && !target.flow.socket.destroyed) return target.flow;
    const key = hostPort(target.address, target.port);
    const existing = this.flows.get(key) ?? this.aliases.get(key);
    if (existing && !existing.socket.destroyed) return existing;
    if (!this.hasTransport('tcp')) return undefined;
    const local = this.localFor('tcp', target.address);
    const socket = net.connect({ host: target.address, port: target.port, localAddress: local.address, noDelay: true });
    return this.adoptSocket(socket, local, key);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const flow of this.flows.values()) flow.socket.destroy();
    this.flows.clear();
    this.aliases.clear();
    await Promise.all([
      ...this.udp.map((u) => new Promise<void>((r) => u.socket.close(() => r()))),
      ...this.tcp.map((t) => new Promise<void>((r) => t.server.close(() => r()))),
    ]);
  }
}
