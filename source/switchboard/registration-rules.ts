// What a REGISTER asks for, read as plain data: the Contact list, the
// lifetime each contact gets under the registrar's Expires rules
// (RFC 3261 10.3), and the user part of a To/From URI. Pure functions; the
// registrar applies their answers.

export interface RequestedContact {
  /** The Contact URI, without angle brackets or header parameters. */
  uri: string;
  /** The contact's `expires` parameter as written, if any. */
  expires?: string;
}

/** `*` (the wildcard that unregisters everything), a list of contacts, or undefined when unreadable. */
export type ContactList = '*' | RequestedContact[];

/** Splits at commas that are outside quotes and angle brackets. */
function splitList(value: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '<') depth++;
    else if (c === '>') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(value.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

function headerParams(text: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const raw of text.split(';')) {
    const p = raw.trim();
    if (!p) continue;
    const eq = p.indexOf('=');
    const name = (eq === -1 ? p : p.slice(0, eq)).trim().toLowerCase();
    const value = eq === -1 ? '' : p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    params.set(name, value);
  }
  return params;
}

/** One name-addr or addr-spec: its URI and header parameters. */
export function parseNameAddr(text: string): { uri: string; params: Map<string, string> } | undefined {
  let rest = text.trim();
  if (rest.startsWith('"')) {
    const end = rest.slice(1).search(/(?<!\\)"/);
    if (end === -1) return undefined;
    rest = rest.slice(end + 2).trim();
  }
  const lt = rest.indexOf('<');
  if (lt !== -1) {
    const gt = rest.indexOf('>', lt);
    if (gt === -1) return undefined;
    const uri = rest.slice(lt + 1, gt).trim();
    return uri ? { uri, params: headerParams(rest.slice(gt + 1)) } : undefined;
  }
  // addr-spec: parameters after the URI belong to the header (RFC 3261 20.10).
  const semi = rest.indexOf(';');
  const uri = (semi === -1 ? rest : rest.slice(0, semi)).trim();
  if (!uri || /\s/.test(uri)) return undefined;
  return { uri, params: headerParams(semi === -1 ? '' : rest.slice(semi)) };
}

/** Reads a Contact header value (repeated headers joined by commas). */
export function parseContacts(value: string | undefined): ContactList | undefined {
  if (value === undefined || value.trim() === '') return [];
  if (value.trim() === '*') return '*';
  const contacts: RequestedContact[] = [];
  for (const part of splitList(value)) {
    if (part === '*') return undefined; // `*` mixed with contacts
    const parsed = parseNameAddr(part);
    if (!parsed || !/^sips?:/i.test(parsed.uri)) return undefined;
    const expires = parsed.params.get('expires');
    contacts.push(expires === undefined ? { uri: parsed.uri } : { uri: parsed.uri, expires });
  }
  return contacts;
}

/** The user part of a SIP URI inside a To/From value, e.g. "201" for `<sip:201@host>;tag=x`. */
export function userOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const uri = parseNameAddr(header)?.uri;
  const m = uri ? /^sips?:([^@;?]+)@/i.exec(uri) : undefined;
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return m[1];
  }
}

export interface ExpiresLimits {
  min: number;
  max: number;
  /** The lifetime when the phone names none (or something unreadable). */
  default: number;
}

export type ExpiresDecision =
  | { kind: 'remove' }
  | { kind: 'bind'; seconds: number }
  /** Below the minimum: the whole REGISTER gets 423 with Min-Expires. */
  | { kind: 'too-brief'; requested: number };

/**
 * The lifetime one contact gets: its own `expires` parameter wins over the
 * Expires header; neither (or an unreadable value, RFC 3261 20.19) means the
 * default; 0 removes; below the minimum is refused; above the maximum is cut
 * down to it.
 */
export function decideExpires(contactParam: string | undefined, header: string | undefined, limits: ExpiresLimits): ExpiresDecision {
  const requested = readDeltaSeconds(contactParam) ?? readDeltaSeconds(header) ?? limits.default;
  if (requested === 0) return { kind: 'remove' };
  if (requested < limits.min) return { kind: 'too-brief', requested };
  return { kind: 'bind', seconds: Math.min(requested, limits.max) };
}

function readDeltaSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (!/^\d+$/.test(v)) return undefined;
  // delta-seconds above 2^32-1 mean 2^32-1 (RFC 3261 25.1); the maximum cuts it anyway.
  return Math.min(Number(v), 0xffffffff);
}

/** Whether an Expires header value means "now" (for `Contact: *`). */
export function isZeroExpires(header: string | undefined): boolean {
  return readDeltaSeconds(header) === 0;
}
