// SIP message model and wire codec (RFC 3261 section 7). Owns parsing bytes into a
// message that the rest of the server can trust, and writing messages back out.
// Tolerant where real phones are sloppy (compact names, folded lines, bare LF,
// several values in one header), strict where a mistake would corrupt state
// (start line, CSeq, Call-ID, Via, From, To).

export class SipParseError extends Error {
  override name = 'SipParseError';
  constructor(message: string, readonly partial?: SipMessage) {
    super(message);
  }
}

export interface Header {
  /** Lower-case full name, used for look-ups. */
  key: string;
  /** Name as written on the wire (compact forms expanded). */
  name: string;
  value: string;
}

const compactForms: Record<string, string> = {
  i: 'call-id', m: 'contact', e: 'content-encoding', l: 'content-length',
  c: 'content-type', f: 'from', s: 'subject', k: 'supported', t: 'to', v: 'via',
  o: 'event', r: 'refer-to', u: 'allow-events', b: 'referred-by',
  x: 'session-expires', a: 'accept-contact', j: 'reject-contact',
  d: 'request-disposition', y: 'identity', n: 'identity-info',
};

const displayNames: Record<string, string> = {
  'call-id': 'Call-ID', cseq: 'CSeq', 'www-authenticate': 'WWW-Authenticate',
  'mime-version': 'MIME-Version', rack: 'RAck', rseq: 'RSeq', 'sip-etag': 'SIP-ETag',
  'sip-if-match': 'SIP-If-Match', 'p-asserted-identity': 'P-Asserted-Identity',
};

/** Headers whose several values may share one line, separated by commas. */
const listHeaders = new Set([
  'via', 'route', 'record-route', 'contact', 'allow', 'supported', 'require',
  'proxy-require', 'unsupported', 'accept', 'accept-encoding', 'accept-language',
  'allow-events', 'path', 'service-route', 'content-encoding',
]);

export function canonicalKey(name: string): string {
  const lower = name.trim().toLowerCase();
  return compactForms[lower] ?? lower;
}

export function displayName(key: string): string {
  const known = displayNames[key];
  if (known) return known;
  return key.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}

/** Splits a header value at commas that are not inside quotes or angle brackets. */
export function splitList(value: string): string[] {
  const parts: string[] = [];
  let depthAngle = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value.charCodeAt(i);
    if (quoted) {
      if (ch === 92 /* \ */) i++;
      else if (ch === 34 /* " */) quoted = false;
    } else if (ch === 34) quoted = true;
    else if (ch === 60 /* < */) depthAngle++;
    else if (ch === 62 /* > */) depthAngle = Math.max(0, depthAngle - 1);
    else if (ch === 44 /* , */ && depthAngle === 0) {
      const part = value.slice(start, i).trim();
      if (part) parts.push(part);
      start = i + 1;
    }
  }
  const last = value.slice(start).trim();
  if (last) parts.push(last);
  return parts;
}

export class SipMessage {
  method = '';
  uri = '';
  status = 0;
  reason = '';
  headers: Header[] = [];
  body: Buffer = Buffer.alloc(0);

  get isRequest(): boolean {
    return this.method !== '';
  }

  static request(method: string, uri: string): SipMessage {
    const m = new SipMessage();
    m.method = method;
    m.uri = uri;
    return m;
  }

  static response(status: number, reason: string): SipMessage {
    const m = new SipMessage();
    m.status = status;
    m.reason = reason;
    return m;
  }

  get(name: string): string | undefined {
    const key = canonicalKey(name);
    for (const h of this.headers) if (h.key === key) return h.value;
    return undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Every value of a header: separate lines, and for list headers, comma-separated values. */
  getAll(name: string): string[] {
    const key = canonicalKey(name);
    const values: string[] = [];
    for (const h of this.headers) {
      if (h.key !== key) continue;
      if (listHeaders.has(key)) values.push(...splitList(h.value));
      else values.push(h.value);
    }
    return values;
  }

  /** Replaces every occurrence of a header with one value (or removes it when undefined). */
  set(name: string, value: string | undefined): this {
    const key = canonicalKey(name);
    const at = this.headers.findIndex((h) => h.key === key);
    this.headers = this.headers.filter((h) => h.key !== key);
    if (value !== undefined) {
      const header = { key, name: displayName(key), value };
      if (at === -1) this.headers.push(header);
      else this.headers.splice(at, 0, header);
    }
    return this;
  }

  append(name: string, value: string): this {
    const key = canonicalKey(name);
    this.headers.push({ key, name: displayName(key), value });
    return this;
  }

  prepend(name: string, value: string): this {
    const key = canonicalKey(name);
    this.headers.unshift({ key, name: displayName(key), value });
    return this;
  }

  remove(name: string): this {
    const key = canonicalKey(name);
    this.headers = this.headers.filter((h) => h.key !== key);
    return this;
  }

  /** The top Via value (first value of the first Via line). */
  topVia(): string | undefined {
    for (const h of this.headers) {
      if (h.key === 'via') return splitList(h.value)[0];
    }
    return undefined;
  }

  /** Removes the top Via value, keeping the rest. */
  popVia(): void {
    const i = this.headers.findIndex((h) => h.key === 'via');
    if (i === -1) return;
    const rest = splitList(this.headers[i]!.value).slice(1);
    if (rest.length) this.headers[i] = { ...this.headers[i]!, value: rest.join(', ') };
    else this.headers.splice(i, 1);
  }

  cseq(): { seq: number; method: string } {
    const raw = this.get('cseq') ?? '';
    const m = /^\s*(\d{1,10})\s+([A-Za-z!%*_+`'~.-]+)\s*$/.exec(raw);
    if (!m) throw new SipParseError(`bad CSeq: "${raw}"`);
    return { seq: Number(m[1]), method: m[2]!.toUpperCase() };
  }

  clone(): SipMessage {
    const m = new SipMessage();
    m.method = this.method;
    m.uri = this.uri;
    m.status = this.status;
    m.reason = this.reason;
    m.headers = this.headers.map((h) => ({ ...h }));
    m.body = this.body;
    return m;
  }

  startLine(): string {
    return this.isRequest ? `${this.method} ${this.uri} SIP/2.0` : `SIP/2.0 ${this.status} ${this.reason}`;
  }

  /** Wire form; Content-Length is always written from the real body length. */
  toBuffer(): Buffer {
    let head = this.startLine() + '\r\n';
    for (const h of this.headers) {
      if (h.key === 'content-length') continue;
      head += `${h.name}: ${h.value}\r\n`;
    }
    head += `Content-Length: ${this.body.length}\r\n\r\n`;
    if (this.body.length === 0) return Buffer.from(head, 'utf8');
    return Buffer.concat([Buffer.from(head, 'utf8'), this.body]);
  }

  toString(): string {
    return this.toBuffer().toString('utf8');
  }
}

export const MAX_HEADER_BYTES = 64 * 1024;
export const MAX_BODY_BYTES = 1024 * 1024;

const tokenRe = /^[A-Za-z0-9!%*_+`'~.-]+$/;

/** Locates the end of the header section: index of the blank line and its length. */
export function findHeaderEnd(buf: Buffer, from = 0): { at: number; length: number } | undefined {
  const crlf = buf.indexOf('\r\n\r\n', from);
  const lf = buf.indexOf('\n\n', from);
  if (crlf === -1 && lf === -1) return undefined;
  if (crlf !== -1 && (lf === -1 || crlf < lf)) return { at: crlf, length: 4 };
  return { at: lf, length: 2 };
}

/**
 * Parses the start line and headers (the part before the blank line). Throws
 * SipParseError, with whatever could be read attached, when the text is not SIP.
 */
export function parseHead(text: string): SipMessage {
  const lines = text.split(/\r?\n/);
  // Leading empty lines are keep-alive noise some stacks send before a message.
  while (lines.length && lines[0] === '') lines.shift();
  const first = lines.shift();
  if (!first) throw new SipParseError('empty message');
  const msg = new SipMessage();
  if (first.startsWith('SIP/')) {
    const m = /^SIP\/2\.0 +([1-6]\d\d)(?: +(.*))?$/.exec(first);
    if (!m) throw new SipParseError(`bad status line: "${first.slice(0, 80)}"`);
    msg.status = Number(m[1]);
    msg.reason = (m[2] ?? '').trim();
  } else {
    const parts = first.split(' ');
    if (parts.length !== 3 || !tokenRe.test(parts[0]!) || parts[2] !== 'SIP/2.0' || !parts[1]) {
      throw new SipParseError(`bad request line: "${first.slice(0, 80)}"`);
    }
    msg.method = parts[0]!.toUpperCase();
    msg.uri = parts[1];
    if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(msg.uri)) throw new SipParseError(`bad request URI: "${msg.uri.slice(0, 80)}"`);
  }
  let current: Header | undefined;
  for (const line of lines) {
    if (line === '') continue;
    const c = line.charCodeAt(0);
    if (c === 32 || c === 9) {
      // A folded continuation of the previous header (RFC 3261 7.3.1).
      if (!current) throw new SipParseError('continuation line before any header', msg);
      current.value = `${current.value} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new SipParseError(`bad header line: "${line.slice(0, 80)}"`, msg);
    const rawName = line.slice(0, colon).trim();
    if (!tokenRe.test(rawName)) throw new SipParseError(`bad header name: "${rawName.slice(0, 80)}"`, msg);
    const key = canonicalKey(rawName);
    const name = rawName.length === 1 ? displayName(key) : rawName;
    current = { key, name, value: line.slice(colon + 1).trim() };
    msg.headers.push(current);
  }
  return msg;
}

/** Checks that the headers every transaction and dialog depends on are present and sane. */
export function validate(msg: SipMessage): void {
  for (const name of ['via', 'from', 'to', 'call-id', 'cseq']) {
    if (!msg.has(name)) throw new SipParseError(`missing ${displayName(name)} header`, msg);
  }
  const cseq = msg.cseq();
  if (msg.isRequest && cseq.method !== msg.method) {
    throw new SipParseError(`CSeq method ${cseq.method} does not match ${msg.method}`, msg);
  }
  const callId = msg.get('call-id')!;
  if (!callId || /\s/.test(callId)) throw new SipParseError('bad Call-ID', msg);
  if (!/^SIP\s*\/\s*2\.0\s*\/\s*[A-Za-z]+\s+\S/i.test(msg.topVia() ?? '')) {
    throw new SipParseError('bad Via header', msg);
  }
  const maxForwards = msg.get('max-forwards');
  if (maxForwards !== undefined && !/^\d{1,3}$/.test(maxForwards)) {
    throw new SipParseError('bad Max-Forwards', msg);
  }
}

/**
 * Parses one whole datagram (UDP) or one framed message (TCP). A Content-Length
 * larger than what arrived means the message was truncated; a shorter one means
 * trailing bytes that are not ours (RFC 3261 18.3).
 */
export function parseMessage(buf: Buffer): SipMessage {
  const end = findHeaderEnd(buf);
  if (!end) {
    if (buf.length > MAX_HEADER_BYTES) throw new SipParseError('header section too large');
    // Some stacks omit the blank line when there is no body; accept that.
    const msg = parseHead(buf.toString('utf8'));
    validate(msg);
    return msg;
  }
  if (end.at > MAX_HEADER_BYTES) throw new SipParseError('header section too large');
  const msg = parseHead(buf.toString('utf8', 0, end.at));
  const bodyStart = end.at + end.length;
  const declared = msg.get('content-length');
  let bodyLength = buf.length - bodyStart;
  if (declared !== undefined) {
    if (!/^\d+$/.test(declared)) throw new SipParseError('bad Content-Length', msg);
    const n = Number(declared);
    if (n > bodyLength) throw new SipParseError('message shorter than its Content-Length', msg);
    bodyLength = n;
  }
  msg.body = Buffer.from(buf.subarray(bodyStart, bodyStart + bodyLength));
  validate(msg);
  return msg;
}
