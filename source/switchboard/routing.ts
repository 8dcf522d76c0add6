// Where an incoming call goes, decided from what the INVITE says and who sent
// it: the passenger queue, the `*60` self-test, another station's phone, or a
// refusal with the SIP status that says why. Pure, so every rule is a table row.
import { BlockList, isIP } from 'node:net';

export type Route =
  | { kind: 'queue' }
  | { kind: 'self-test'; extension: string }
  | { kind: 'extension'; from: string; to: string }
  | { kind: 'refuse'; status: 403 | 404; reason: string };

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
  /** The caller's extension when the INVITE comes from a phone registered at that source address. */
  registeredCaller: string | undefined;
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
  const caller = facts.registeredCaller;
  if (facts.dialled === rules.queueNumber) {
    if (fromTrunk || caller) return { kind: 'queue' };
    return { kind: 'refuse', status: 403, reason: 'calls to the queue come from the trunk or a registered phone' };
  }
  if (facts.dialled === rules.selfTestNumber) {
    if (caller) return { kind: 'self-test', extension: caller };
    return { kind: 'refuse', status: 403, reason: 'the self-test is for registered phones' };
  }
  if (facts.extensionExists(facts.dialled)) {
    if (caller) return { kind: 'extension', from: caller, to: facts.dialled };
    return { kind: 'refuse', status: 403, reason: 'only registered phones may call stations' };
  }
  return { kind: 'refuse', status: 404, reason: `no such number: ${facts.dialled}` };
}
