// Addresses inside SIP headers: SIP URIs, name-addr values (From, To, Contact,
// Route) and Via values. Small, allocation-light parsers: they run several
// times for every message the server routes.
import { isIP } from 'node:net';

export interface SipUri {
  scheme: string;
  user?: string;
  host: string;
  port?: number;
  /** URI parameters, lower-case names; a flag parameter has the value ''. */
  params: Map<string, string>;
}

export function parseUri(text: string): SipUri | undefined {
  const m = /^(sips?|tel):(?:([^@;?]*)@)?(\[[0-9a-fA-F:.]+\]|[^:;?>\s]+)(?::(\d{1,5}))?((?:;[^?>\s]*)?)/i.exec(text.trim());
  if (!m) return undefined;
  const params = new Map<string, string>();
  for (const p of (m[5] ?? '').split(';')) {
    if (!p) continue;
    const eq = p.indexOf('=');
    if (eq === -1) params.set(p.toLowerCase(), '');
    else params.set(p.slice(0, eq).toLowerCase(), p.slice(eq + 1));
  }
  const port = m[4] ? Number(m[4]) : undefined;
  if (port !== undefined && port > 65535) return undefined;
  return { scheme: m[1]!.toLowerCase(), user: m[2], host: m[3]!.replace(/^\[|\]$/g, ''), port, params };
}

export interface NameAddr {
  display?: string;
  uri: string;
  /** Header parameters (after the URI), e.g. tag, expires, q. */
  params: Map<string, string>;
}

export function parseNameAddr(value: string): NameAddr | undefined {
  const v = value.trim();
  let uri: string;
  let rest: string;
  let display: string | undefined;
  const lt = v.indexOf('<');
  if (lt !== -1) {
    const gt = v.indexOf('>', lt);
    if (gt === -1) return undefined;
    display = v.slice(0, lt).trim() || undefined;
    uri = v.slice(lt + 1, gt).trim();
    rest = v.slice(gt + 1);
  } else {
    // addr-spec form: parameters after the URI belong to the header (RFC 3261 20.10).
    const semi = v.indexOf(';');
    uri = semi === -1 ? v : v.slice(0, semi);
    rest = semi === -1 ? '' : v.slice(semi);
  }
  if (!uri) return undefined;
  const params = new Map<string, string>();
  for (const p of rest.split(';')) {
    const t = p.trim();
    if (!t) continue;
    const eq = t.indexOf('=');
    if (eq === -1) params.set(t.toLowerCase(), '');
    else params.set(t.slice(0, eq).trim().toLowerCase(), t.slice(eq + 1).trim());
  }
  return { display, uri, params };
}

/** The tag parameter of a From or To value, without building the whole parse. */
export function tagOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const gt = value.lastIndexOf('>');
  const m = /;\s*tag\s*=\s*([^;>\s,]+)/i.exec(gt === -1 ? value : value.slice(gt));
  return m ? m[1] : undefined;
}

export function uriOf(value: string | undefined): string | undefined {
  return value === undefined ? undefined : parseNameAddr(value)?.uri;
}

export interface Via {
  transport: string;
  host: string;
  port?: number;
  params: Map<string, string>;
}

export function parseVia(value: string): Via | undefined {
  const m = /^SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z]+)\s+(\[[0-9a-fA-F:.]+\]|[^\s:;]+)(?:\s*:\s*(\d{1,5}))?\s*(.*)$/i.exec(value.trim());
  if (!m) return undefined;
  const params = new Map<string, string>();
  for (const p of (m[4] ?? '').split(';')) {
    const t = p.trim();
    if (!t) continue;
    const eq = t.indexOf('=');
    if (eq === -1) params.set(t.toLowerCase(), '');
    else params.set(t.slice(0, eq).trim().toLowerCase(), t.slice(eq + 1).trim());
  }
  return { transport: m[1]!.toUpperCase(), host: m[2]!.replace(/^\[|\]$/g, ''), port: m[3] ? Number(m[3]) : undefined, params };
}

export function formatVia(via: Via): string {
  const host = isIP(via.host) === 6 ? `[${via.host}]` : via.host;
  let s = `SIP/2.0/${via.transport} ${host}${via.port ? `:${via.port}` : ''}`;
  for (const [k, v] of via.params) s += v === '' ? `;${k}` : `;${k}=${v}`;
  return s;
}

export function hostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
