// A small form as a typed reducer: keys in, field values and focus out. Keys
// can arrive faster than Ink re-renders (a paste, a quick typist, a test), so
// nothing here may read state captured by an older render: every key is one
// dispatch, applied to the latest state.
import type { Key } from 'ink';

export interface FormState<F extends string> {
  fields: readonly F[];
  values: Record<F, string>;
  focus: F;
  /** Enter on the last field: the screen acts on it and clears it. */
  submitted: boolean;
  maxLength: Partial<Record<F, number>>;
}

export type FormAction<F extends string> =
  | { type: 'key'; input: string; key: Key }
  | { type: 'set'; field: F; value: string }
  | { type: 'focus'; field: F }
  /** Submits from whichever field has the focus. */
  | { type: 'submit' }
  | { type: 'handled' };

export function initialForm<F extends string>(fields: readonly F[], values: Record<F, string>, focus: F, maxLength: Partial<Record<F, number>> = {}): FormState<F> {
  return { fields, values, focus, submitted: false, maxLength };
}

export function formReducer<F extends string>(state: FormState<F>, action: FormAction<F>): FormState<F> {
  switch (action.type) {
    case 'set':
      return { ...state, values: { ...state.values, [action.field]: action.value } };
    case 'focus':
      return { ...state, focus: action.field };
    case 'handled':
      return { ...state, submitted: false };
    case 'submit':
      return { ...state, submitted: true };
    case 'key':
      return onKey(state, action.input, action.key);
  }
}

/** Keys that move or submit, as they arrive inside a longer piece of input. */
const pastedKeys = /[\t\r\n]/;

function onKey<F extends string>(state: FormState<F>, input: string, key: Key): FormState<F> {
  // A paste (or keys typed faster than the terminal is read) arrives as one
  // piece, "ola\tsecret\r": Tab and Enter inside it act as they would typed,
  // instead of being dropped and the letters after them landing in the wrong field.
  if (input.length > 1 && pastedKeys.test(input) && !key.ctrl && !key.meta) return typedOneByOne(state, input);
  const index = state.fields.indexOf(state.focus);
  const move = (by: number) => ({ ...state, focus: state.fields[(index + by + state.fields.length) % state.fields.length]! });
  if (key.tab) return move(key.shift ? -1 : 1);
  if (key.downArrow) return move(1);
  if (key.upArrow) return move(-1);
  if (key.return) return index === state.fields.length - 1 ? { ...state, submitted: true } : move(1);
  const value = state.values[state.focus];
  if (key.backspace || key.delete) return { ...state, values: { ...state.values, [state.focus]: value.slice(0, -1) } };
  if (key.ctrl || key.meta || key.escape || key.leftArrow || key.rightArrow) return state;
  // Pasted text arrives in one piece; control characters never belong in a field.
  const printable = input.replace(/[\u0000-\u001f\u007f]/g, '');
  if (!printable) return state;
  const limit = state.maxLength[state.focus] ?? 200;
  return { ...state, values: { ...state.values, [state.focus]: (value + printable).slice(0, limit) } };
}

function typedOneByOne<F extends string>(state: FormState<F>, input: string): FormState<F> {
  const none: Key = { upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false, super: false, hyper: false, capsLock: false, numLock: false };
  let next = state;
  // Runs of text stay whole (one append); the keys between them are applied in order.
  for (const piece of input.split(/([\t\r\n])/)) {
    if (piece === '') continue;
    if (piece === '\t') next = onKey(next, '', { ...none, tab: true });
    else if (piece === '\r' || piece === '\n') next = onKey(next, '', { ...none, return: true });
    else next = onKey(next, piece, none);
    // Enter on the last field submits: what follows it is not part of this form.
    if (next.submitted) break;
  }
  return next;
}
