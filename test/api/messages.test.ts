// The check of what consoles send: good messages come out typed, anything
// else is named as bad JSON, a bad message or an unknown type.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseClientMessage, type ParseResult } from '../../source/api/messages.js';

const table: { name: string; text: string; expected: ParseResult['ok'] | 'bad-json' | 'bad-message' | 'unknown-type'; message?: unknown }[] = [
  { name: 'a bind names the extension', text: '{"type":"bind","extension":"201"}', expected: true, message: { type: 'bind', extension: '201' } },
  { name: 'a bind may ask for a takeover', text: '{"type":"bind","extension":"201","takeover":true}', expected: true, message: { type: 'bind', extension: '201', takeover: true } },
  { name: 'ready needs nothing more', text: '{"type":"ready"}', expected: true, message: { type: 'ready' } },
  { name: 'a pause reason is trimmed', text: '{"type":"pause","reason":"  lunch "}', expected: true, message: { type: 'pause', reason: 'lunch' } },
  { name: 'a pause may give an empty reason', text: '{"type":"pause","reason":""}', expected: true, message: { type: 'pause', reason: '' } },
  { name: 'heartbeats ignore extra fields', text: '{"type":"heartbeat","at":123}', expected: true, message: { type: 'heartbeat' } },
  { name: 'unbind needs nothing more', text: '{"type":"unbind"}', expected: true, message: { type: 'unbind' } },
  { name: 'text that is not JSON is bad JSON', text: '{"type":', expected: 'bad-json' },
  { name: 'a JSON array is not a message', text: '[1,2]', expected: 'bad-message' },
  { name: 'JSON null is not a message', text: 'null', expected: 'bad-message' },
  { name: 'a message without a type is refused', text: '{"extension":"201"}', expected: 'bad-message' },
  { name: 'an unknown type is named as such', text: '{"type":"dial","number":"112"}', expected: 'unknown-type' },
  { name: 'a bind without an extension is refused', text: '{"type":"bind"}', expected: 'bad-message' },
  { name: 'a numeric extension is refused: extensions are strings', text: '{"type":"bind","extension":201}', expected: 'bad-message' },
  { name: 'an extension with spaces or markup is refused', text: '{"type":"bind","extension":"<b>201</b>"}', expected: 'bad-message' },
  { name: 'an overlong extension is refused', text: JSON.stringify({ type: 'bind', extension: '1'.repeat(33) }), expected: 'bad-message' },
  { name: 'a takeover that is not a boolean is refused', text: '{"type":"bind","extension":"201","takeover":"yes"}', expected: 'bad-message' },
  { name: 'a pause without a reason is refused', text: '{"type":"pause"}', expected: 'bad-message' },
  { name: 'an overlong pause reason is refused', text: JSON.stringify({ type: 'pause', reason: 'x'.repeat(201) }), expected: 'bad-message' },
];

for (const row of table) {
  test(row.name, () => {
    const result = parseClientMessage(row.text);
    if (row.expected === true) {
      assert.deepEqual(result, { ok: true, message: row.message });
    } else {
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.code, row.expected);
    }
  });
}
