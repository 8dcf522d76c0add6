import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { routeInvite, SELF_TEST_NUMBER, trunkList, type InviteFacts } from '../../source/switchboard/routing.js';

const rules = { queueNumber: '100', trunks: trunkList(['127.0.0.2', '10.1.0.0/16']), selfTestNumber: SELF_TEST_NUMBER };
const extensions = new Set(['201', '202']);
/** `caller`: the extension whose password the INVITE proved, if it did. */
const facts = (dialled: string, sourceAddress: string, caller?: string): InviteFacts => ({
  dialled, sourceAddress, caller, extensionExists: (e) => extensions.has(e),
});

describe('call routing', () => {
  const table: Array<[string, InviteFacts, unknown]> = [
    ['a passenger from the trunk joins the queue', facts('100', '127.0.0.2'), { kind: 'queue' }],
    ['a trunk inside a CIDR block joins the queue', facts('100', '10.1.200.7'), { kind: 'queue' }],
    ['a phone that proved its password may call the queue too', facts('100', '127.0.0.9', '201'), { kind: 'queue' }],
    ['a stranger calling the queue must authenticate', facts('100', '192.0.2.1'), { kind: 'authenticate' }],
    ['*60 must authenticate, whoever sends it', facts('*60', '127.0.0.9'), { kind: 'authenticate' }],
    ['*60 from the trunk must authenticate too', facts('*60', '127.0.0.2'), { kind: 'authenticate' }],
    ['*60 is the self-test of the extension that authenticated', facts('*60', '127.0.0.9', '202'), { kind: 'self-test', extension: '202' }],
    ['*60 authenticated from a trunk address is still that phone', facts('*60', '127.0.0.2', '201'), { kind: 'self-test', extension: '201' }],
    ['calling a station must authenticate', facts('202', '127.0.0.9'), { kind: 'authenticate' }],
    ['the trunk may not ring a station without a password', facts('202', '127.0.0.2'), { kind: 'authenticate' }],
    ['a station calls another station as the extension that authenticated', facts('202', '127.0.0.9', '201'), { kind: 'extension', from: '201', to: '202' }],
    ['an unknown number is not told apart before authentication', facts('999', '192.0.2.1'), { kind: 'authenticate' }],
    ['an unknown number is 404 to a phone that authenticated', facts('999', '127.0.0.9', '201'), { kind: 'refuse', status: 404 }],
    ['the trunk dialling an unknown number must authenticate', facts('999', '127.0.0.2'), { kind: 'authenticate' }],
  ];
  for (const [name, input, expected] of table) {
    it(name, () => {
      const route = routeInvite(input, rules) as Record<string, unknown>;
      assert.deepEqual(Object.keys(route).sort(), Object.keys(expected as object).concat((expected as { kind: string }).kind === 'refuse' ? ['reason'] : []).sort(), JSON.stringify(route));
      for (const [k, v] of Object.entries(expected as object)) assert.equal(route[k], v, `${k} of ${JSON.stringify(route)}`);
    });
  }

  it('rejects trunk values that are not addresses', () => {
    assert.throws(() => trunkList(['trunk.example']), /not an IP address/);
    assert.throws(() => trunkList(['10.0.0.0/40']), /prefix/);
  });
});
