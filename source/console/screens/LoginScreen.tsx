// Logging in: server, user and password (masked). The outcome of the HTTP
// login is put in the dispatcher's words: wrong password, locked out, server
// unreachable. The password goes to the switchboard and nowhere else.
import { Box, Text } from 'ink';
import React, { useEffect, useReducer, useState } from 'react';
import type { LoginResponse } from '../../api/messages.js';
import { logIn, type LoginOutcome } from '../client/api.js';
import { formReducer, initialForm } from '../components/form.js';
import { TextField } from '../components/TextField.js';
import { useKeys } from '../hooks/use-keys.js';
import type { Catalogue } from '../i18n/index.js';
import { normalizeServer, serverProblem } from '../settings-rules.js';

export interface LoginScreenProps {
  t: Catalogue;
  server: string;
  login: string;
  /** Shown above the form, e.g. "your session has ended". */
  notice?: string | undefined;
  onLoggedIn: (server: string, response: LoginResponse, password: string) => void;
  onQuit: () => void;
}

const fields = ['server', 'user', 'password'] as const;

export function LoginScreen({ t, server, login, notice, onLoggedIn, onQuit }: LoginScreenProps) {
  const [form, dispatch] = useReducer(formReducer<(typeof fields)[number]>, undefined, () =>
    initialForm(fields, { server, user: login, password: '' }, login ? 'password' : 'user', { user: 128, password: 1024 }),
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    if (!form.submitted) return;
    dispatch({ type: 'handled' });
    const address = normalizeServer(form.values.server);
    const { user, password } = form.values;
    if (!address || !user || !password) return setError(t.missingFields);
    if (serverProblem(address)) return setError(t.badServer);
    setBusy(true);
    setError(undefined);
    void logIn(address, user, password).then((outcome) => {
      setBusy(false);
      if (outcome.ok) return onLoggedIn(address, outcome.response, password);
      dispatch({ type: 'set', field: 'password', value: '' });
      dispatch({ type: 'focus', field: 'password' });
      setError(loginError(t, outcome, address));
    });
  }, [form.submitted, form.values, t, onLoggedIn]);

  useKeys((input, key) => {
    if (key.escape || (key.ctrl && input === 'c')) return onQuit();
    dispatch({ type: 'key', input, key });
  }, !busy);

  const { values, focus } = form;
  return (
    <Box flexDirection="column" paddingX={1}>
      <Text bold>
        {t.appTitle} — {t.loginTitle}
      </Text>
      {notice && <Text color="yellow">{notice}</Text>}
      <Box flexDirection="column" marginY={1}>
        <TextField label={t.server} value={values.server} focused={!busy && focus === 'server'} />
        <TextField label={t.user} value={values.user} focused={!busy && focus === 'user'} />
        <TextField label={t.password} value={values.password} focused={!busy && focus === 'password'} masked />
      </Box>
      {busy && <Text>{t.loggingIn}</Text>}
      {error && <Text color="red">{error}</Text>}
      <Text dimColor>{t.loginHint}</Text>
    </Box>
  );
}

export function loginError(t: Catalogue, outcome: Exclude<LoginOutcome, { ok: true }>, server: string): string {
  switch (outcome.reason) {
    case 'wrong-password':
      return t.wrongPassword;
    case 'locked-out':
      return t.lockedOut(outcome.retryAfterSeconds);
    case 'unreachable':
      return t.unreachable(server);
    case 'bad-answer':
      return t.badServerAnswer;
  }
}
