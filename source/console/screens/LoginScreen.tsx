// Logging in: server, user and password (masked). The outcome of the HTTP
// login is put in the dispatcher's words: wrong password, locked out, server
// unreachable. The password goes to the switchboard and nowhere else.
import { Box, Text } from 'ink';
import React, { useState } from 'react';
import { logIn, type LoginOutcome } from '../client/api.js';
import type { LoginResponse } from '../../api/messages.js';
import { TextField } from '../components/TextField.js';
import { useKeys } from '../hooks/use-keys.js';
import type { Catalogue } from '../i18n/index.js';
import { normalizeServer, serverProblem } from '../settings.js';

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

export function LoginScreen({ t, server: initialServer, login, notice, onLoggedIn, onQuit }: LoginScreenProps) {
  const [server, setServer] = useState(initialServer);
  const [user, setUser] = useState(login);
  const [password, setPassword] = useState('');
  const [focus, setFocus] = useState<(typeof fields)[number]>(login ? 'password' : 'user');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const submit = async () => {
    const address = normalizeServer(server);
    if (!address || !user || !password) return setError(t.missingFields);
    if (serverProblem(address)) return setError(t.badServer);
    setBusy(true);
    setError(undefined);
    const outcome = await logIn(address, user, password);
    setBusy(false);
    if (outcome.ok) return onLoggedIn(address, outcome.response, password);
    setPassword('');
    setFocus('password');
    setError(loginError(t, outcome, address));
  };

  useKeys((_input, key) => {
    if (busy) return;
    if (key.escape) return onQuit();
    const index = fields.indexOf(focus);
    if (key.tab || key.downArrow) return setFocus(fields[(index + (key.shift ? fields.length - 1 : 1)) % fields.length]!);
    if (key.upArrow) return setFocus(fields[(index + fields.length - 1) % fields.length]!);
    if (key.return) {
      if (focus !== 'password') return setFocus(fields[index + 1]!);
      void submit();
    }
  });

  return (
    <Box flexDirection="column" paddingX={1}>
      <Text bold>
        {t.appTitle} — {t.loginTitle}
      </Text>
      {notice && <Text color="yellow">{notice}</Text>}
      <Box flexDirection="column" marginY={1}>
        <TextField label={t.server} value={server} onChange={setServer} focused={!busy && focus === 'server'} />
        <TextField label={t.user} value={user} onChange={setUser} focused={!busy && focus === 'user'} maxLength={128} />
        <TextField label={t.password} value={password} onChange={setPassword} focused={!busy && focus === 'password'} masked maxLength={1024} />
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
