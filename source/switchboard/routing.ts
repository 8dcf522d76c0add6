// Where an incoming call goes, decided from what the INVITE says and who sent
// it: the passenger queue, the `*60` self-test, another station's phone, or a
// refusal with the SIP status that says why. Pure, so every rule is a table row.
//
// Only passengers are trusted by address: a call to the queue number from a
// trunk. Anything else must come from a phone that proved its password on
// this very INVITE (407 Digest challenge, see DigestGuard); a source address
// or a From header can be made up, a password cannot. Numbers are not told
// apart before that, so strangers cannot probe which extensions exist.
import { BlockList, isIP } from 'node:net';

export type Route =
  | { kind: 'queue' }
  | { kind: 'self-test'; extension: string }
  | { kind: 'extension'; from: string; to: string }
  /** Ask the caller to prove which phone it is, then route again with `caller` set. */
  | { kind: 'authenticate' }
  | { kind: 'refuse'; status: 404; reason: string };

export interface RoutingRules {
  /** The number passengers dial, e.g. "100". */
  queueNumber: string;
  /** Addresses or CIDR blocks of trusted SIP trunks (the passengers' provider). */
  trunks: BlockList;
  selfTestNumber: string;
}

export interface InviteFacts {
  /** User part of the request URI: what was dialled. */
  dialled: string;
  sourceAddress: string;
  /** The extension whose password this INVITE's credentials proved; undefined before that. */
  caller: string | undefined;
  extensionExists(extension: string): boolean;
}

export const SELF_TEST_NUMBER = '*60';

/** Parses `--trunk` values: plain addresses or CIDR blocks, IPv4 or IPv6. */
export function trunkList(values: readonly string[]): BlockList {
  const list = new BlockList();
  for (const value of values) {
    const [address, bits] = value.split('/');
    const family = isIP(address ?? '');
    if (!family) throw new Error(`trunk "${value}" is not an IP address or CIDR block`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address!, type);
    else {
      const prefix = Number(bits);
      if (!/^\d+$/.test(bits) || prefix > (family === 6 ? 128 : 32)) throw new Error(`trunk "${value}" has a bad prefix length`);
      list.addSubnet(address!, prefix, type);
    }
  }
  return list;
}

export function routeInvite(facts: InviteFacts, rules: RoutingRules): Route {
  const fromTrunk = rules.trunks.check(facts.sourceAddress, isIP(facts.sourceAddress) === 6 ? 'ipv6' : 'ipv4');
  if (facts.dialled === rules.queueNumber && fromTrunk) return { kind: 'queue' };
  const caller = facts.caller;
  if (caller === undefined) return { kind: 'authenticate' };
  if (facts.dialled === rules.queueNumber) return { kind: 'queue' };
  if (facts.dialled === rules.selfTestNumber) return { kind: 'self-test', extension: caller };
  if (facts.extensionExists(facts.dialled)) return { kind: 'extension', from: caller, to: facts.dialled };
  return { kind: 'refuse', status: 404, reason: `no such number: ${facts.dialled}` };
}
