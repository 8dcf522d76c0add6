// The embedded SIP server's core: joins the network side (transports,
// transactions, dialogs) to the apps on the drachtio control protocol. It
// decides, for every message, which app sees it, what SIP work the server does
// itself (100 Trying, ACK for non-2xx, 2xx retransmission, CANCEL, 481, 491,
// 503) and what the app is told back, mirroring drachtio-server.
import { randomBytes, randomUUID } from 'node:crypto';
import dns from 'node:dns';
import net from 'node:net';
import type { Logger } from 'pino';
import { hostPort, parseUri, parseVia, formatVia, tagOf, uriOf } from './address.js';
import { AppConnection, CRLF, type ControlFrame } from './control.js';
import { DialogTable, type Dialog } from './dialogs.js';
import { displayName, findHeaderEnd, parseHead, SipMessage, splitList, type SipParseError } from './message.js';
import type { SipEndpoint, SipTransportName } from './options.js';
import { reasonPhrase } from './reasons.js';
import {
  ClientTransaction, clientKey, newBranch, ServerTransaction, serverKey, type Timers,
} from './transactions.js';
import type { Received, Sent, Target, Transports } from './transport.js';

/** Reported to apps; srf parses vX.Y.Z and pings servers from v0.8.2 on. */
export const SERVER_VERSION = 'v0.9.4-embedded';

/** A request from the network and the app that must answer it. */
interface NetworkRequest {
  id: string;
  st: ServerTransaction;
  app?: AppConnection;
  dialog?: Dialog;
  expiry?: NodeJS.Timeout;
}

/** A request an app (or the server itself) sent to the network. */
interface AppRequest {
  id: string;
  ct: ClientTransaction;
  app?: AppConnection;
  dialog?: Dialog;
  /** The app cancelled this INVITE. */
  cancelled: boolean;
  pendingCancel?: SipMessage;
  finalSeen: boolean;
}

const immutableInDialog = new Set(['via', 'from', 'to', 'call-id', 'cseq', 'content-length', 'route', 'record-route']);
const needsContact = new Set(['INVITE', 'SUBSCRIBE', 'REFER', 'NOTIFY', 'UPDATE']);

function stamp(): string {
  const now = Date.now();
  const d = new Date(now);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds() * 1000, 6)}`;
}

function newTag(): string {
  return randomBytes(6).toString('hex');
}

export interface CoreOptions {
  transports: Transports;
  secret: string;
  timers: Timers;
  log: Logger;
  /** How long an INVITE from the network may wait for an app's final answer. */
  inviteTimeoutMs?: number;
}

export class SipCore {
  private readonly apps: AppConnection[] = [];
  private readonly roundRobin = new Map<string, number>();
  private readonly serverTxns = new Map<string, NetworkRequest>();
  private readonly networkById = new Map<string, NetworkRequest>();
  private readonly clientTxns = new Map<string, AppRequest>();
  private readonly appById = new Map<string, AppRequest>();
  readonly dialogs = new DialogTable();
  private readonly transports: Transports;
  private readonly timers: Timers;
  private readonly log: Logger;
  private readonly inviteTimeoutMs: number;

  constructor(private readonly opts: CoreOptions) {
    this.transports = opts.transports;
    this.timers = opts.timers;
    this.log = opts.log;
    this.inviteTimeoutMs = opts.inviteTimeoutMs ?? 64_000;
  }

  // ---------------------------------------------------------------- apps

  attach(socket: net.Socket): void {
    const app = new AppConnection(
      socket,
      (a, f) => this.onFrame(a, f),
      (a) => this.onAppGone(a),
      (a, reason) => this.log.warn({ app: a.name, reason }, 'app sent a malformed frame; disconnecting'),
    );
    this.apps.push(app);
    this.log.debug({ app: app.name }, 'app connected');
  }

  private hostports(): string {
    return this.transports.endpoints.map((e) => `${e.transport}/${hostPort(e.address, e.port)}`).join(',');
  }

  private onFrame(app: AppConnection, frame: ControlFrame): void {
    const [id, type] = frame.tokens;
    if (!id || !type) return app.reply(id ?? '', false, 'Invalid message format');
    try {
      if (!app.authenticated) {
        if (type !== 'authenticate') {
          app.reply(id, false, 'authenticate first');
          app.close();
          return;
        }
        if (frame.tokens[2] !== this.opts.secret) {
          this.log.warn({ app: app.name }, 'app refused: incorrect secret');
          app.reply(id, false, 'incorrect secret');
          app.close();
          return;
        }
        app.authenticated = true;
        app.reply(id, true, `${this.hostports()}|${SERVER_VERSION}|${this.hostports()}`);
        this.log.info({ app: app.name }, 'app authenticated');
        return;
      }
      switch (type) {
        case 'ping':
          return app.reply(id, true, 'pong');
        case 'route': {
          const verb = (frame.tokens[2] ?? '').toLowerCase();
          if (!/^(cdr:(attempt|start|stop)|[a-z]+)$/.test(verb)) return app.reply(id, false, 'Route request includes unsupported verb');
          app.routes.add(verb);
          return app.reply(id, true);
        }
        case 'remove_route': {
          const verb = (frame.tokens[2] ?? '').toLowerCase();
          if (!app.routes.delete(verb)) return app.reply(id, false, 'Remove route request includes unsupported verb');
          return app.reply(id, true);
        }
        case 'sip':
          return this.onAppSip(app, frame);
        case 'proxy':
          return app.reply(id, 'NOK', 'proxy is not supported by the embedded SIP server');
        default:
          return app.reply(id, false, 'Unknown message type');
      }
    } catch (err) {
      // A bad frame from one app must never take the server down.
      this.log.error({ err, app: app.name }, 'failed to handle app frame');
      app.reply(id, 'NOK', `Server error: ${(err as Error).message}`);
    }
  }

  private onAppGone(app: AppConnection): void {
    const i = this.apps.indexOf(app);
    if (i !== -1) this.apps.splice(i, 1);
    this.log.info({ app: app.name }, 'app disconnected');
    // Requests it was to answer are answered now, so no caller waits on a dead app.
    for (const nr of [...this.networkById.values()]) {
      if (nr.app === app && !nr.st.finalStatus && nr.st.state !== 'terminated') {
        this.respond(nr, 503, 'Service Unavailable');
      }
    }
    for (const ar of [...this.appById.values()]) {
      if (ar.app !== app) continue;
      ar.app = undefined;
      if (ar.ct.isInvite && !ar.finalSeen) this.cancel(ar);
    }
    for (const d of this.dialogs.ownedBy(app)) d.app = undefined;
  }

  private pickApp(method: string): AppConnection | undefined {
    const verb = method.toLowerCase();
    const candidates = this.apps.filter((a) => a.authenticated && !a.closed && a.routes.has(verb));
    if (candidates.length === 0) return undefined;
    const n = this.roundRobin.get(verb) ?? 0;
    this.roundRobin.set(verb, n + 1);
    return candidates[n % candidates.length];
  }

  private deliver(app: AppConnection, r: Received, msg: SipMessage, txnId: string, dialogId: string): void {
    app.send(
      `sip|network|${r.bytes}|${r.transport}|${r.remote.address}|${r.remote.port}|${stamp()}|${txnId}|${dialogId}|${r.local.address}|${r.local.port}|${CRLF}${msg.toString()}`,
    );
  }

  private replySent(app: AppConnection, frameId: string, sent: Sent, target: Target, wire: string, tail: string): void {
    const bytes = Buffer.byteLength(wire, 'utf8');
    app.reply(frameId, true, `application|${bytes}|${sent.transport}|${target.address}|${target.port}|${stamp()}|${tail}${CRLF}${wire}`);
  }

  // ------------------------------------------------------- app -> network

  private onAppSip(app: AppConnection, frame: ControlFrame): void {
    const txnId = frame.tokens[2] ?? '';
    const dialogId = frame.tokens[3] ?? '';
    const routeUrl = frame.tokens[4] ?? '';
    let msg: SipMessage;
    try {
      msg = parseAppMessage(frame.body);
    } catch (err) {
      return app.reply(frame.id, 'NOK', `invalid SIP message: ${(err as Error).message}`);
    }
    if (!msg.isRequest) {
      const nr = this.networkById.get(txnId);
      if (!txnId) return app.reply(frame.id, 'NOK', 'transaction id missing');
      if (!nr || nr.st.state === 'terminated') return app.reply(frame.id, 'NOK', 'unknown transaction');
      return this.respondForApp(app, frame.id, nr, msg);
    }
    if (dialogId) {
      const dialog = this.dialogs.get(dialogId);
      if (!dialog) {
        if (msg.method === 'ACK') return app.reply(frame.id, 'NOK', 'ACK for non-success responses is automatically generated by the stack');
        return app.reply(frame.id, 'NOK', 'unable to find dialog');
      }
      return this.sendInDialog(app, frame.id, dialog, msg);
    }
    if (msg.method === 'CANCEL' && txnId) {
      const ar = this.appById.get(txnId);
      if (!ar || !ar.ct.isInvite || ar.finalSeen) return app.reply(frame.id, 'NOK', 'unknown transaction');
      const cancel = this.cancel(ar, msg);
      const wire = cancel.toString();
      return app.reply(frame.id, true, `application|${Buffer.byteLength(wire)}|${ar.ct.target.transport}|${ar.ct.target.address}|${ar.ct.target.port}|${stamp()}|${txnId}|Msg sent:|${CRLF}${wire}`);
    }
    if (msg.method === 'ACK') return app.reply(frame.id, 'NOK', 'ACK for non-success responses is automatically generated by the stack');
    const callId = msg.get('call-id');
    const existing = callId ? this.dialogs.findByCallId(callId) : undefined;
    if (existing && existing.app === app) return this.sendInDialog(app, frame.id, existing, msg);
    return this.sendNew(app, frame.id, msg, routeUrl);
  }

  private contactFor(local: SipEndpoint): string {
    return `<sip:${hostPort(local.address, local.port)}${local.transport === 'tcp' ? ';transport=tcp' : ''}>`;
  }

  private sendNew(app: AppConnection, frameId: string, appMsg: SipMessage, routeUrl: string): void {
    const firstRoute = uriOf(appMsg.getAll('route')[0]);
    const nextHop = routeUrl || firstRoute || appMsg.uri;
    const hopUri = parseUri(nextHop);
    if (!hopUri) return app.reply(frameId, 'NOK', `invalid request URI: ${nextHop}`);
    const transport = this.pickTransport(hopUri.params.get('transport'));
    if (!transport) return app.reply(frameId, 'NOK', 'requested protocol/transport not available');
    const local = this.transports.localFor(transport, hopUri.host);
    const hp = hostPort(local.address, local.port);
    const method = appMsg.method;
    const req = SipMessage.request(method, appMsg.uri);
    const branch = newBranch();
    req.append('Via', `SIP/2.0/${transport.toUpperCase()} ${hp};rport;branch=${branch}`);
    req.append('Max-Forwards', appMsg.get('max-forwards') ?? '70');
    let from = appMsg.get('from') ? replaceLocalhost(appMsg.get('from')!, hp) : this.contactFor(local);
    if (!tagOf(from)) from += `;tag=${newTag()}`;
    req.append('From', from);
    req.append('To', appMsg.get('to') ? replaceLocalhost(appMsg.get('to')!, hp) : `<${appMsg.uri}>`);
    req.append('Call-ID', appMsg.get('call-id') ?? randomUUID());
    let seq = 1;
    try {
      if (appMsg.has('cseq')) seq = appMsg.cseq().seq;
    } catch {
      /* an unreadable CSeq from the app is replaced */
    }
    req.append('CSeq', `${seq} ${method}`);
    if (appMsg.get('contact')) req.append('Contact', replaceLocalhost(appMsg.get('contact')!, hp));
    else if (needsContact.has(method)) req.append('Contact', this.contactFor(local));
    for (const h of appMsg.headers) {
      if (['via', 'max-forwards', 'from', 'to', 'call-id', 'cseq', 'contact', 'content-length'].includes(h.key)) continue;
      req.headers.push(h);
    }
    setBody(req, appMsg);
    this.withTarget(hopUri, transport, undefined, (target) => {
      if (!target) return app.reply(frameId, 'NOK', `cannot resolve ${hopUri.host}`);
      const ar = this.startClient(app, req, branch, target);
      this.replySent(app, frameId, ar.ct.sent!, target, ar.ct.data.toString('utf8'), `${ar.id}|Msg sent:|`);
    });
  }

  private sendInDialog(app: AppConnection, frameId: string, dialog: Dialog, appMsg: SipMessage): void {
    const method = appMsg.method;
    const hopText = dialog.routeSet.length ? uriOf(dialog.routeSet[0])! : dialog.remoteTarget;
    const hopUri = parseUri(hopText);
    if (!hopUri) return app.reply(frameId, 'NOK', `invalid remote target: ${hopText}`);
    const transport = (hopUri.params.get('transport')?.toLowerCase() as SipTransportName | undefined) ?? dialog.transport;
    if (!this.transports.hasTransport(transport)) return app.reply(frameId, 'NOK', 'requested protocol/transport not available');
    const local = transport === dialog.local.transport ? dialog.local : this.transports.localFor(transport, hopUri.host);
    const hp = hostPort(local.address, local.port);
    const req = SipMessage.request(method, dialog.remoteTarget);
    const branch = newBranch();
    const seq = method === 'ACK' ? dialog.ackSeq : ++dialog.localSeq;
    req.append('Via', `SIP/2.0/${transport.toUpperCase()} ${hp};rport;branch=${branch}`);
    req.append('Max-Forwards', appMsg.get('max-forwards') ?? '70');
    for (const r of dialog.routeSet) req.append('Route', r);
    req.append('From', dialog.localParty);
    req.append('To', dialog.remoteParty);
    req.append('Call-ID', dialog.callId);
    req.append('CSeq', `${seq} ${method}`);
    if (appMsg.get('contact')) req.append('Contact', replaceLocalhost(appMsg.get('contact')!, hp));
    else if (needsContact.has(method)) req.append('Contact', dialog.localContact);
    for (const h of appMsg.headers) {
      if (immutableInDialog.has(h.key) || h.key === 'max-forwards' || h.key === 'contact') continue;
      req.headers.push(h);
    }
    setBody(req, appMsg);
    const flow = transport === dialog.transport ? dialog.flow : undefined;
    this.withTarget(hopUri, transport, flow, (target) => {
      if (!target) return app.reply(frameId, 'NOK', `cannot resolve ${hopUri.host}`);
      if (method === 'ACK') {
        const data = req.toBuffer();
        dialog.lastAck = { seq, data, target };
        const sent = this.transports.send(target, data);
        return this.replySent(app, frameId, sent, target, data.toString('utf8'), `|Msg sent:|`);
      }
      if (method === 'INVITE') dialog.appReinvitePending = true;
      if (method === 'BYE' && dialog.pending2xx) {
        clearTimeout(dialog.pending2xx.timer);
        dialog.pending2xx = undefined;
      }
      const ar = this.startClient(app, req, branch, target, dialog);
      this.replySent(app, frameId, ar.ct.sent!, target, ar.ct.data.toString('utf8'), `${ar.id}|Msg sent:|`);
    });
  }

  private pickTransport(requested: string | undefined): SipTransportName | undefined {
    const t = requested?.toLowerCase();
    if (t === 'tcp' || t === 'udp') return this.transports.hasTransport(t) ? t : undefined;
    if (t) return undefined;
    return this.transports.hasTransport('udp') ? 'udp' : this.transports.hasTransport('tcp') ? 'tcp' : undefined;
  }

  /** Resolves a next hop; synchronous for IP literals, the common case. */
  private withTarget(uri: NonNullable<ReturnType<typeof parseUri>>, transport: SipTransportName, flow: Target['flow'], fn: (t: Target | undefined) => void): void {
    const port = uri.port ?? 5060;
    if (net.isIP(uri.host)) return fn({ transport, address: uri.host, port, flow });
    dns.lookup(uri.host, (err, address) => fn(err ? undefined : { transport, address, port, flow }));
  }

  private startClient(app: AppConnection | undefined, req: SipMessage, branch: string, target: Target, dialog?: Dialog): AppRequest {
    const key = clientKey(branch, req.method);
    const data = req.toBuffer();
    const ar = { id: randomUUID(), app, dialog, cancelled: false, finalSeen: false } as AppRequest;
    ar.ct = new ClientTransaction(key, branch, req, data, target, this.transports, this.timers, {
      response: (msg, r) => this.onClientResponse(ar, msg, r),
      failed: (status, reason) => this.onClientFailed(ar, status, reason),
    }, () => {
      this.clientTxns.delete(key);
      this.appById.delete(ar.id);
    });
    this.clientTxns.set(key, ar);
    this.appById.set(ar.id, ar);
    ar.ct.start();
    return ar;
  }

  /** Sends CANCEL for an INVITE now, or once a provisional response shows the peer has it. */
  private cancel(ar: AppRequest, appMsg?: SipMessage): SipMessage {
    ar.cancelled = true;
    const inv = ar.ct.request;
    const c = SipMessage.request('CANCEL', inv.uri);
    c.append('Via', inv.topVia()!);
    for (const r of inv.getAll('route')) c.append('Route', r);
    c.append('Max-Forwards', '70');
    c.append('From', inv.get('from')!);
    c.append('To', inv.get('to')!);
    c.append('Call-ID', inv.get('call-id')!);
    c.append('CSeq', `${inv.cseq().seq} CANCEL`);
    for (const h of appMsg?.headers ?? []) if (h.key === 'reason') c.headers.push(h);
    if (ar.ct.provisionalSeen) this.sendCancel(ar, c);
    else ar.pendingCancel = c;
    return c;
  }

  private sendCancel(ar: AppRequest, c: SipMessage): void {
    ar.pendingCancel = undefined;
    const branch = parseVia(c.topVia()!)!.params.get('branch')!;
    this.startClient(undefined, c, branch, ar.ct.target);
  }

  private onClientFailed(ar: AppRequest, status: 408 | 503, reason: string): void {
    ar.finalSeen = true;
    if (ar.dialog && ar.ct.request.method === 'INVITE') ar.dialog.appReinvitePending = false;
    if (ar.dialog && ar.ct.request.method === 'BYE') this.dialogs.remove(ar.dialog);
    if (!ar.app || ar.app.closed) return;
    const req = ar.ct.request;
    const res = SipMessage.response(status, reason);
    res.append('Via', req.topVia()!);
    res.append('From', req.get('from')!);
    res.append('To', req.get('to')!);
    res.append('Call-ID', req.get('call-id')!);
    res.append('CSeq', req.get('cseq')!);
    const t = ar.ct.target;
    const data = res.toBuffer();
    const local = this.transports.localFor(t.transport, t.address);
    this.deliver(ar.app, { msg: res, bytes: data.length, transport: t.transport, remote: { address: t.address, port: t.port }, local }, res, ar.id, '');
  }

  private onClientResponse(ar: AppRequest, msg: SipMessage, r: Received): void {
    const req = ar.ct.request;
    const status = msg.status;
    if (req.method === 'INVITE') {
      if (status < 200) {
        if (ar.pendingCancel) this.sendCancel(ar, ar.pendingCancel);
        if (ar.app && !ar.app.closed && !ar.cancelled) this.deliver(ar.app, r, msg, ar.id, '');
        return;
      }
      if (status < 300) return this.onInvite2xx(ar, msg, r);
      ar.finalSeen = true;
      if (ar.dialog) ar.dialog.appReinvitePending = false;
      if (ar.app && !ar.app.closed) this.deliver(ar.app, r, msg, ar.id, '');
      return;
    }
    if (status < 200) {
      if (ar.app && !ar.app.closed) this.deliver(ar.app, r, msg, ar.id, ar.dialog?.id ?? '');
      return;
    }
    ar.finalSeen = true;
    let dialogId = ar.dialog?.id ?? '';
    if (req.method === 'BYE' && ar.dialog) this.dialogs.remove(ar.dialog);
    if (req.method === 'SUBSCRIBE' && status < 300 && !ar.dialog) dialogId = this.createUacDialog(ar, msg, r, 'SUBSCRIBE').id;
    if (ar.app && !ar.app.closed) this.deliver(ar.app, r, msg, ar.id, dialogId);
  }

  private onInvite2xx(ar: AppRequest, msg: SipMessage, r: Received): void {
    const seq = ar.ct.request.cseq().seq;
    if (ar.finalSeen) {
      // A retransmitted 2xx: repeat the ACK the app already sent, if it did.
      const d = ar.dialog ?? this.dialogs.find(msg.get('call-id')!, tagOf(msg.get('from')));
      if (d?.lastAck && d.lastAck.seq === seq) this.transports.send(d.lastAck.target, d.lastAck.data);
      return;
    }
    ar.finalSeen = true;
    let dialog = ar.dialog;
    if (dialog) {
      dialog.appReinvitePending = false;
      const contact = uriOf(msg.getAll('contact')[0]);
      if (contact) dialog.remoteTarget = contact;
    } else {
      dialog = this.createUacDialog(ar, msg, r, 'INVITE');
    }
    dialog.ackSeq = seq;
    if (ar.cancelled || !ar.app || ar.app.closed) {
      // The 2xx crossed our CANCEL (or the app left): confirm, then hang up at once.
      this.ackAndBye(dialog, seq);
      if (ar.app && !ar.app.closed) {
        const res = SipMessage.response(487, 'Request Terminated');
        for (const h of ['via', 'from', 'to', 'call-id', 'cseq']) res.append(h, msg.get(h)!);
        this.deliver(ar.app, r, res, ar.id, '');
      }
      return;
    }
    this.deliver(ar.app, r, msg, ar.id, dialog.id);
  }

  private createUacDialog(ar: AppRequest, msg: SipMessage, r: Received, kind: Dialog['kind']): Dialog {
    const req = ar.ct.request;
    const local = this.transports.localFor(ar.ct.target.transport, ar.ct.target.address);
    const contactUri = uriOf(msg.getAll('contact')[0]);
    const localTag = tagOf(req.get('from'))!;
    const callId = req.get('call-id')!;
    const d: Dialog = {
      id: DialogTable.idFor(callId, localTag),
      role: 'uac',
      kind,
      app: ar.app,
      callId,
      localTag,
      remoteTag: tagOf(msg.get('to')) ?? '',
      localParty: req.get('from')!,
      remoteParty: msg.get('to')!,
      localSeq: req.cseq().seq,
      remoteSeq: 0,
      remoteTarget: contactUri ?? req.uri,
      routeSet: msg.getAll('record-route').reverse(),
      transport: ar.ct.target.transport,
      flow: r.flow ?? ar.ct.sent?.flow,
      local,
      localContact: req.get('contact') ?? this.contactFor(local),
      peerReinvitePending: false,
      appReinvitePending: false,
      ackSeq: 0,
    };
    this.dialogs.add(d);
    return d;
  }

  private ackAndBye(dialog: Dialog, seq: number): void {
    dialog.app = undefined;
    const hop = parseUri(dialog.routeSet.length ? uriOf(dialog.routeSet[0])! : dialog.remoteTarget);
    if (!hop || !net.isIP(hop.host)) {
      this.dialogs.remove(dialog);
      return;
    }
    const target: Target = { transport: dialog.transport, address: hop.host, port: hop.port ?? 5060, flow: dialog.flow };
    const hp = hostPort(dialog.local.address, dialog.local.port);
    const build = (method: string, cseq: number) => {
      const m = SipMessage.request(method, dialog.remoteTarget);
      m.append('Via', `SIP/2.0/${dialog.transport.toUpperCase()} ${hp};rport;branch=${newBranch()}`);
      m.append('Max-Forwards', '70');
      for (const r of dialog.routeSet) m.append('Route', r);
      m.append('From', dialog.localParty);
      m.append('To', dialog.remoteParty);
      m.append('Call-ID', dialog.callId);
      m.append('CSeq', `${cseq} ${method}`);
      return m;
    };
    const ack = build('ACK', seq);
    dialog.lastAck = { seq, data: ack.toBuffer(), target };
    this.transports.send(target, dialog.lastAck.data);
    const bye = build('BYE', ++dialog.localSeq);
    this.startClient(undefined, bye, parseVia(bye.topVia()!)!.params.get('branch')!, target, dialog);
  }

  // ------------------------------------------------------- network -> app

  onNetworkMessage(r: Received): void {
    try {
      if (r.msg.isRequest) this.onRequest(r);
      else this.onResponse(r);
    } catch (err) {
      // One odd message must never take the server down: log it and carry on.
      this.log.error({ err, from: `${r.transport}/${r.remote.address}:${r.remote.port}`, msg: r.msg.startLine() }, 'failed to handle SIP message');
    }
  }

  onMalformed(err: SipParseError, r: Omit<Received, 'msg'>): void {
    this.log.debug({ from: `${r.transport}/${r.remote.address}:${r.remote.port}`, reason: err.message }, 'malformed SIP message');
    const partial = err.partial;
    // 400 only where the request can be answered at all (RFC 3261 8.2.2 / 16.3).
    if (!partial || !partial.isRequest || partial.method === 'ACK') return;
    const via = partial.topVia();
    if (!via || !parseVia(via)) return;
    const res = SipMessage.response(400, `Bad Request - ${err.message.replace(/[\r\n]/g, ' ').slice(0, 100)}`);
    for (const v of partial.getAll('via')) res.append('Via', v);
    for (const h of ['from', 'to', 'call-id', 'cseq']) {
      const v = partial.get(h);
      if (v !== undefined) res.append(h, v);
    }
    const target: Target = r.transport === 'tcp'
      ? { transport: 'tcp', address: r.remote.address, port: r.remote.port, flow: r.flow }
      : { transport: 'udp', address: r.remote.address, port: r.remote.port };
    this.transports.send(target, res.toBuffer());
  }

  /** Adds received and rport to the top Via (RFC 3261 18.2.1, RFC 3581). */
  private stampVia(msg: SipMessage, r: Received): void {
    const i = msg.headers.findIndex((h) => h.key === 'via');
    const header = msg.headers[i]!;
    const values = splitList(header.value);
    const via = parseVia(values[0] ?? '');
    if (!via) return;
    let changed = false;
    if (via.host !== r.remote.address) {
      via.params.set('received', r.remote.address);
      changed = true;
    }
    if (via.params.has('rport')) {
      via.params.set('rport', String(r.remote.port));
      changed = true;
    }
    if (changed) msg.headers[i] = { ...header, value: [formatVia(via), ...values.slice(1)].join(', ') };
  }

  private onRequest(r: Received): void {
    const msg = r.msg;
    this.stampVia(msg, r);
    if (msg.method === 'ACK') return this.onAck(r);
    const key = serverKey(msg);
    const existing = this.serverTxns.get(key);
    if (existing) return existing.st.retransmitted();
    const nr = this.newServerTxn(key, r);
    if (msg.method === 'CANCEL') return this.onCancel(nr);
    if (msg.method === 'INVITE') this.respond(nr, 100, 'Trying');
    const callId = msg.get('call-id')!;
    const toTag = tagOf(msg.get('to'));
    if (toTag) {
      const dialog = this.dialogs.find(callId, toTag);
      if (!dialog) return this.respond(nr, 481, 'Call/Transaction Does Not Exist');
      return this.onInDialogRequest(nr, dialog);
    }
    if (msg.method === 'REGISTER' && r.flow) {
      // Later requests to this Contact should reuse the connection it registered over.
      for (const c of msg.getAll('contact')) {
        const u = parseUri(uriOf(c) ?? '');
        if (u) this.transports.alias(hostPort(u.host, u.port ?? 5060), r.flow);
      }
    }
    const app = this.pickApp(msg.method);
    if (!app) return this.respond(nr, 503, 'Service Unavailable');
    nr.app = app;
    const wait = msg.method === 'INVITE' ? this.inviteTimeoutMs : 64 * this.timers.t1;
    nr.expiry = setTimeout(() => {
      if (!nr.st.finalStatus && nr.st.state !== 'terminated') this.respond(nr, 408, 'Request Timeout');
    }, wait);
    this.deliver(app, r, msg, nr.id, '');
  }

  private newServerTxn(key: string, r: Received): NetworkRequest {
    const nr = { id: randomUUID() } as NetworkRequest;
    nr.st = new ServerTransaction(key, r.msg, r, this.transports, this.timers, () => {
      this.serverTxns.delete(key);
      this.networkById.delete(nr.id);
      clearTimeout(nr.expiry);
    });
    this.serverTxns.set(key, nr);
    this.networkById.set(nr.id, nr);
    return nr;
  }

  private onInDialogRequest(nr: NetworkRequest, dialog: Dialog): void {
    const msg = nr.st.request;
    nr.dialog = dialog;
    if (!dialog.app || dialog.app.closed) {
      // Its app is gone: let the peer hang up cleanly, refuse anything else.
      this.dialogs.remove(dialog);
      if (msg.method === 'BYE') return this.respond(nr, 200, 'OK');
      return this.respond(nr, 481, 'Call/Transaction Does Not Exist');
    }
    const seq = msg.cseq().seq;
    if (dialog.remoteSeq && seq < dialog.remoteSeq) return this.respond(nr, 500, 'Server Internal Error');
    if (msg.method === 'INVITE') {
      if (dialog.peerReinvitePending || dialog.appReinvitePending) {
        const res = this.buildResponse(nr, 491, 'Request Pending');
        nr.st.send(res);
        return;
      }
      dialog.peerReinvitePending = true;
      const contact = uriOf(msg.getAll('contact')[0]);
      if (contact) dialog.remoteTarget = contact;
    }
    if (msg.method === 'BYE' && dialog.pending2xx) {
      clearTimeout(dialog.pending2xx.timer);
      dialog.pending2xx = undefined;
    }
    dialog.remoteSeq = seq;
    nr.app = dialog.app;
    this.deliver(dialog.app, nr.st.received, msg, nr.id, dialog.id);
  }

  private onAck(r: Received): void {
    const msg = r.msg;
    const nr = this.serverTxns.get(serverKey(msg, 'INVITE'));
    if (nr && nr.st.finalStatus >= 300) return nr.st.acked();
    const dialog = this.dialogs.find(msg.get('call-id')!, tagOf(msg.get('to')));
    if (!dialog) return; // a stray ACK has nobody to go to
    let seq = 0;
    try {
      seq = msg.cseq().seq;
    } catch {
      return;
    }
    if (dialog.pending2xx && dialog.pending2xx.seq === seq) {
      clearTimeout(dialog.pending2xx.timer);
      dialog.pending2xx = undefined;
    } else if (!dialog.pending2xx && seq < dialog.remoteSeq) {
      return;
    }
    if (dialog.app && !dialog.app.closed) this.deliver(dialog.app, r, msg, randomUUID(), dialog.id);
  }

  private onCancel(nr: NetworkRequest): void {
    const inviteNr = this.serverTxns.get(serverKey(nr.st.request, 'INVITE'));
    if (!inviteNr || inviteNr.st.finalStatus || inviteNr.st.state === 'terminated') {
      return this.respond(nr, 481, 'Call/Transaction Does Not Exist');
    }
    this.respond(nr, 200, 'OK');
    this.respond(inviteNr, 487, 'Request Terminated');
    const app = inviteNr.app;
    if (app && !app.closed) this.deliver(app, nr.st.received, nr.st.request, inviteNr.id, '');
  }

  private onResponse(r: Received): void {
    const msg = r.msg;
    const via = parseVia(msg.topVia()!);
    const branch = via?.params.get('branch');
    let method: string;
    try {
      method = msg.cseq().method;
    } catch {
      return;
    }
    const ar = branch ? this.clientTxns.get(clientKey(branch, method)) : undefined;
    if (ar) return ar.ct.receive(msg, r);
    if (method === 'INVITE' && msg.status >= 200 && msg.status < 300) {
      // 2xx retransmission after the transaction ended: repeat the ACK.
      const d = this.dialogs.find(msg.get('call-id')!, tagOf(msg.get('from')));
      const seq = msg.cseq().seq;
      if (d?.lastAck && d.lastAck.seq === seq) this.transports.send(d.lastAck.target, d.lastAck.data);
    }
  }

  // ----------------------------------------------------------- responses

  private buildResponse(nr: NetworkRequest, status: number, reason?: string, appMsg?: SipMessage): SipMessage {
    const req = nr.st.request;
    const res = SipMessage.response(status, reason || reasonPhrase(status));
    for (const v of req.getAll('via')) res.append('Via', v);
    let to = req.get('to')!;
    if (status > 100 && !tagOf(to)) {
      const appTag = tagOf(appMsg?.get('to'));
      nr.st.localTag ??= appTag ?? newTag();
      to += `;tag=${nr.st.localTag}`;
    }
    res.append('From', req.get('from')!);
    res.append('To', to);
    res.append('Call-ID', req.get('call-id')!);
    res.append('CSeq', req.get('cseq')!);
    const dialogForming = req.method === 'INVITE' || req.method === 'SUBSCRIBE';
    if (dialogForming && status > 100 && status < 300) {
      for (const rr of req.getAll('record-route')) res.append('Record-Route', rr);
    }
    if (appMsg) {
      for (const h of appMsg.headers) {
        if (['via', 'from', 'to', 'call-id', 'cseq', 'content-length', 'record-route'].includes(h.key)) continue;
        res.headers.push(h);
      }
      setBody(res, appMsg);
    }
    if (dialogForming && status > 100 && status < 300 && !res.has('contact')) {
      res.append('Contact', this.contactFor(nr.st.received.local));
    }
    return res;
  }

  /** A response the server makes by itself. */
  private respond(nr: NetworkRequest, status: number, reason: string): void {
    const res = this.buildResponse(nr, status, reason);
    nr.st.send(res);
    if (status >= 200) clearTimeout(nr.expiry);
  }

  private respondForApp(app: AppConnection, frameId: string, nr: NetworkRequest, appMsg: SipMessage): void {
    const st = nr.st;
    if (st.finalStatus) return app.reply(frameId, 'NOK', 'final response already sent');
    const status = appMsg.status;
    if (status === 100) {
      return app.reply(frameId, 'NOK', '100 Trying is sent by the server');
    }
    const res = this.buildResponse(nr, status, appMsg.reason, appMsg);
    const req = st.request;
    const target = st.responseTarget();
    // Serialised once: sent, retransmitted until the ACK, and echoed to the app.
    const data = res.toBuffer();
    const sent = st.send(res, undefined, data);
    let dialogId = nr.dialog?.id ?? '';
    if (status >= 200) clearTimeout(nr.expiry);
    if (req.method === 'INVITE' && status >= 200 && nr.dialog) nr.dialog.peerReinvitePending = false;
    if (status >= 200 && status < 300 && (req.method === 'INVITE' || req.method === 'SUBSCRIBE')) {
      const dialog = nr.dialog ?? this.createUasDialog(nr, res, app);
      dialogId = dialog.id;
      if (req.method === 'INVITE') this.retransmit2xx(dialog, data, target, req.cseq().seq);
    }
    if (req.method === 'BYE' && status >= 200 && nr.dialog) this.dialogs.remove(nr.dialog);
    app.reply(frameId, true, `application|${data.length}|${sent.transport}|${target.address}|${target.port}|${stamp()}|${nr.id}|${dialogId}||Msg sent:|${CRLF}${data.toString('utf8')}`);
  }

  private createUasDialog(nr: NetworkRequest, res: SipMessage, app: AppConnection): Dialog {
    const req = nr.st.request;
    const r = nr.st.received;
    const callId = req.get('call-id')!;
    const remoteTag = tagOf(req.get('from')) ?? '';
    const contact = uriOf(req.getAll('contact')[0]);
    const d: Dialog = {
      id: DialogTable.idFor(callId, remoteTag),
      role: 'uas',
      kind: req.method === 'SUBSCRIBE' ? 'SUBSCRIBE' : 'INVITE',
      app,
      callId,
      localTag: tagOf(res.get('to'))!,
      remoteTag,
      localParty: res.get('to')!,
      remoteParty: req.get('from')!,
      localSeq: 0,
      remoteSeq: req.cseq().seq,
      remoteTarget: contact ?? `sip:${hostPort(r.remote.address, r.remote.port)}`,
      routeSet: req.getAll('record-route'),
      transport: r.transport,
      flow: r.flow,
      local: r.local,
      localContact: res.get('contact') ?? this.contactFor(r.local),
      peerReinvitePending: false,
      appReinvitePending: false,
      ackSeq: 0,
    };
    nr.dialog = d;
    this.dialogs.add(d);
    return d;
  }

  /** UAS 2xx: resent until the ACK arrives; no ACK in 64*T1 ends the call (RFC 3261 13.3.1.4). */
  private retransmit2xx(dialog: Dialog, data: Buffer, target: Target, seq: number): void {
    if (dialog.pending2xx) clearTimeout(dialog.pending2xx.timer);
    const deadline = Date.now() + 64 * this.timers.t1;
    const reliable = target.transport !== 'udp';
    const tick = (interval: number) => {
      const wait = reliable ? deadline - Date.now() : Math.min(interval, Math.max(0, deadline - Date.now()));
      const timer = setTimeout(() => {
        if (dialog.pending2xx?.timer !== timer) return;
        if (Date.now() >= deadline) {
          dialog.pending2xx = undefined;
          return this.ackTimeout(dialog);
        }
        this.transports.send(target, data);
        tick(Math.min(interval * 2, this.timers.t2));
      }, wait);
      dialog.pending2xx = { seq, timer };
    };
    tick(this.timers.t1);
  }

  private ackTimeout(dialog: Dialog): void {
    this.log.info({ dialog: dialog.id }, 'no ACK for 2xx: ending the call');
    const app = dialog.app;
    const hop = parseUri(dialog.routeSet.length ? uriOf(dialog.routeSet[0])! : dialog.remoteTarget);
    const hp = hostPort(dialog.local.address, dialog.local.port);
    const bye = SipMessage.request('BYE', dialog.remoteTarget);
    bye.append('Via', `SIP/2.0/${dialog.transport.toUpperCase()} ${hp};rport;branch=${newBranch()}`);
    bye.append('Max-Forwards', '70');
    for (const r of dialog.routeSet) bye.append('Route', r);
    bye.append('From', dialog.localParty);
    bye.append('To', dialog.remoteParty);
    bye.append('Call-ID', dialog.callId);
    bye.append('CSeq', `${++dialog.localSeq} BYE`);
    bye.append('Reason', 'SIP;cause=408;text="ACK timeout"');
    this.dialogs.remove(dialog);
    if (hop && net.isIP(hop.host)) {
      const target: Target = { transport: dialog.transport, address: hop.host, port: hop.port ?? 5060, flow: dialog.flow };
      this.startClient(undefined, bye, parseVia(bye.topVia()!)!.params.get('branch')!, target);
    }
    if (app && !app.closed) {
      const wire = bye.toString();
      app.send(`sip|application|${Buffer.byteLength(wire)}|${dialog.transport}|${dialog.local.address}|${dialog.local.port}|${stamp()}|unsolicited|${dialog.id}|${CRLF}${wire}`);
    }
  }

  // ------------------------------------------------------------- status

  stats(): { apps: number; dialogs: number; serverTransactions: number; clientTransactions: number } {
    return {
      apps: this.apps.length,
      dialogs: this.dialogs.size,
      serverTransactions: this.serverTxns.size,
      clientTransactions: this.clientTxns.size,
    };
  }

  close(): void {
    for (const nr of [...this.networkById.values()]) nr.st.end();
    for (const ar of [...this.appById.values()]) ar.ct.end();
    for (const d of this.dialogs.all()) this.dialogs.remove(d);
    for (const app of [...this.apps]) app.socket.destroy();
  }
}

/** Parses a message an app sent: head as usual, the body is the rest of the frame. */
function parseAppMessage(text: string): SipMessage {
  const buf = Buffer.from(text, 'utf8');
  const end = findHeaderEnd(buf);
  const msg = parseHead(end ? buf.toString('utf8', 0, end.at) : text);
  if (end) msg.body = buf.subarray(end.at + end.length);
  // drachtio-srf writes header names in lower case; drachtio-server puts them
  // on the wire capitalised (Www-Authenticate -> WWW-Authenticate, x-foo -> X-Foo).
  for (const h of msg.headers) h.name = displayName(h.key);
  return msg;
}

function setBody(target: SipMessage, source: SipMessage): void {
  target.body = source.body;
  if (source.body.length && !target.has('content-type') && source.body.subarray(0, 3).toString() === 'v=0') {
    target.append('Content-Type', 'application/sdp');
  }
}

/** drachtio replaces `@localhost` in From/To/Contact with the server's own address. */
function replaceLocalhost(value: string, hp: string): string {
  return value.replace(/@localhost(?::\d+)?(?=[;>\s]|$)/i, `@${hp}`);
}
