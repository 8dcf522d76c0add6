// Phone provisioning: short-lived secret links a phone (Linphone on Android,
// scanning a QR code) fetches its SIP account from, and the Linphone
// remote-provisioning XML served there. The link's token is the only secret,
// so links expire quickly and the phone's password is read at fetch time.
import { randomBytes } from 'node:crypto';
import type { Phone } from '../store/types.js';
import type { SipServerAddress } from './messages.js';

export const defaultLinkTtlMs = 15 * 60 * 1000;
/** An expired link is remembered this long, to say 410 Gone instead of 404. */
const rememberExpiredMs = 60 * 60 * 1000;
/** Bound on remembered links; the oldest go first. */
const maxLinks = 10_000;

export type LinkLookup = { extension: string; expired: boolean } | undefined;

export class ProvisioningLinks {
  readonly #now: () => number;
  readonly #ttlMs: number;
  readonly #links = new Map<string, { extension: string; expiresAt: number }>();

  constructor(options: { now: () => number; ttlMs?: number }) {
    this.#now = options.now;
    this.#ttlMs = options.ttlMs ?? defaultLinkTtlMs;
  }

  issue(extension: string): { token: string; expiresAt: number } {
    this.prune();
    while (this.#links.size >= maxLinks) this.#links.delete(this.#links.keys().next().value!);
    const token = randomBytes(24).toString('base64url');
    const expiresAt = this.#now() + this.#ttlMs;
    this.#links.set(token, { extension, expiresAt });
    return { token, expiresAt };
  }

  lookup(token: string): LinkLookup {
    const link = this.#links.get(token);
    return link && { extension: link.extension, expired: this.#now() >= link.expiresAt };
  }

  prune(): void {
    const now = this.#now();
    for (const [token, link] of this.#links) if (now >= link.expiresAt + rememberExpiredMs) this.#links.delete(token);
  }
}

export interface LinphoneAccount {
  phone: Phone;
  sipServer: SipServerAddress;
  domain: string;
  /** The registrar's digest realm. Left out, Linphone answers a challenge from any realm. */
  realm?: string;
  /** Seconds between re-registrations the phone asks for. */
  registerExpires?: number;
}

/**
 * Linphone's remote-provisioning document (lpconfig.xsd): one account, as
 * `proxy_0` (where to register, as whom) and `auth_info_0` (digest credentials).
 */
export function linphoneConfig(account: LinphoneAccount): string {
  const { phone, sipServer, domain, realm } = account;
  const proxy = `<sip:${sipServer.host}:${sipServer.port};transport=${sipServer.transport}>`;
  const identity = `"${sipQuoted(phone.displayName)}" <sip:${phone.extension}@${domain}>`;
  const proxySection: [string, string][] = [
    ['reg_proxy', proxy],
    ['reg_identity', identity],
    ['reg_expires', String(account.registerExpires ?? 600)],
    ['reg_sendregister', '1'],
    ['publish', '0'],
    ['dial_escape_plus', '0'],
  ];
  const authSection: [string, string][] = [
    ['username', phone.extension],
    ['userid', phone.extension],
    ['passwd', phone.password],
    ['domain', domain],
  ];
  if (realm !== undefined) {
    proxySection.push(['realm', realm]);
    authSection.push(['realm', realm]);
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<config xmlns="http://www.linphone.org/xsds/lpconfig.xsd" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.linphone.org/xsds/lpconfig.xsd lpconfig.xsd">',
    section('proxy_0', proxySection),
    section('auth_info_0', authSection),
    section('sip', [['default_proxy', '0']]),
    '</config>',
    '',
  ].join('\n');
}

function section(name: string, entries: [string, string][]): string {
  const lines = entries.map(([key, value]) => `    <entry name="${key}" overwrite="true">${xmlText(value)}</entry>`);
  return [`  <section name="${name}">`, ...lines, '  </section>'].join('\n');
}

export function xmlText(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Inside a SIP quoted display name, `"` and `\` are escaped with `\`; control characters have no place. */
function sipQuoted(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/["\\]/g, (c) => `\\${c}`);
}
