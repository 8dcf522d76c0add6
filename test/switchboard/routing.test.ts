import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { routeInvite, SELF_TEST_NUMBER, trunkList, type InviteFacts } from '../../source/switchboard/routing.js';

const rules = { queueNumber: '100', trunks: trunkList(['127.0.0.2', '10.1.0.0/16']), selfTestNumber: SELF_TEST_NUMBER };
const extensions = new Set(['201', '202']);
const facts = (dialled: string, sourceAddress: string, registeredCaller?: string): InviteFacts => ({
  dialled, sourceAddress, registeredCaller, extensionExists: (e) => extensions.has(e),
});

describe('call routing', () => {
  const table: Array<[string, InviteFacts, unknown]> = [
    ['a passenger from the trunk joins the queue', facts('100', '127.0.0.2'), { kind: 'queue' }],
    ['a trunk inside a CIDR block joins the queue', facts('100', '10.1.200.7'), { kind: 'queue' }],
    ['a registered phone may call the queue too', facts('100', '127.0.0.9', '201'), { kind: 'queue' }],
    ['a stranger calling the queue is refused 403', facts('100', '192.0.2.1'), { kind: 'refuse', status: 403 }],
    ['*60 from a registered phone is the self-test', facts('*60', '127.0.0.9', '202'), { kind: 'self-test', extension: '202' }],
    ['*60 from the trunk is refused 403', facts('*60', '127.0.0.2'), { kind: 'refuse', status: 403 }],
    ['a station calls another station', facts('202', '127.0.0.9', '201'), { kind: 'extension', from: '201', to: '202' }],
    ['the trunk may not ring a station directly', facts('202', '127.0.0.2'), { kind: 'refuse', status: 403 }],
    ['an unknown number is 404', facts('999', '127.0.0.9', '201'), { kind: 'refuse', status: 404 }],
  ];
  for (const [name, input, expected] of table) {
    it(name, () => {
      const route = routeInvite(input, rules) as Record<string, unknown>;
      for (const [k, v] of Object.entries(expected as object)) assert.equal(route[k], v, `${k} of ${JSON.stringify(route)}`);
    });
  }

  it('rejects trunk values that are not addresses', () => {
    assert.throws(() => trunkList(['trunk.example']), /not an IP address/);
    assert.throws(() => trunkList(['10.0.0.0/40']), /prefix/);
  });
});
