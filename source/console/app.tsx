// The interactive console: which screen shows, and the station session behind
// them. Starts on the main screen when a token is stored, else on the login
// screen. Quitting or logging out releases the station before anything else,
// so the switchboard stops ringing it at once.
import { Box, Text, useApp } from 'ink';
import React, { useCallback, useEffect, useState } from 'react';
import type { LoginResponse, SignedInUser } from '../api/messages.js';
import { logIn, logOut } from './client/api.js';
import type { Backoff } from './client/backoff.js';
import type { DeskPhone } from './desk-phone.js';
import { StationSession, type Relogin } from './client/session.js';
import { useConsoleState } from './hooks/use-console-state.js';
import { useKeys } from './hooks/use-keys.js';
import type { Catalogue } from './i18n/index.js';
import { ConfigurationScreen } from './screens/ConfigurationScreen.js';
import { LoginScreen } from './screens/LoginScreen.js';
import { MainScreen } from './screens/MainScreen.js';
import { PhonesScreen } from './screens/PhonesScreen.js';
import type { SettingsFile } from './settings.js';

export interface AppProps {
  t: Catalogue;
  settings: SettingsFile;
  /** The switchboard: --server, else the stored address, else the default. */
  server: string;
  ringBell?: () => void;
  backoff?: Backoff;
  /** A phone in this process answered with keys (`dispatcher demo`); absent otherwise. */
  deskPhone?: DeskPhone;
  /** Start the station ready instead of paused (the demo: calls come at once). */
  startReady?: boolean;
  /** --user: who logs in at this terminal, filled in on the login screen; another user's stored session is not resumed. */
  user?: string;
}

interface Signed {
  server: string;
  token: string;
  user: SignedInUser | null;
  session: StationSession;
}

type Screen = 'main' | 'configuration' | 'phones' | 'leaving';

const terminalBell = () => void process.stdout.write('\x07');

export function App({ t, settings, server: initialServer, ringBell = terminalBell, backoff, deskPhone, startReady = false, user }: AppProps) {
  const { exit } = useApp();
  const [server, setServer] = useState(initialServer);
  const [signed, setSigned] = useState<Signed | null>(() => {
    const stored = settings.read();
    // A token belongs to the switchboard that issued it.
    if (!stored.token || (stored.server ?? initialServer) !== initialServer) return null;
    if (user !== undefined && stored.login !== user) return null;
    return { server: initialServer, token: stored.token, user: null, session: openSession(initialServer, stored.token, settings, undefined, backoff, startReady) };
  });
  const [screen, setScreen] = useState<Screen>('main');
  const [notice, setNotice] = useState<string | undefined>();

  useEffect(() => {
    const session = signed?.session;
    session?.start();
    // Unmounted (the terminal closed) or replaced: this session must not live on reconnecting.
    return () => void session?.stop();
  }, [signed?.session]);

  const leave = useCallback(
    async (then: 'quit' | 'logout' | 'relogin', message?: string) => {
      setScreen('leaving');
      if (signed) {
        await signed.session.stop();
        if (then === 'logout') await logOut(signed.server, signed.session.token);
        if (then !== 'quit') settings.update({ token: undefined });
      }
      if (then === 'quit') return exit();
      setSigned(null);
      setNotice(message);
      setScreen('main');
    },
    [signed, settings, exit],
  );

  const onLoggedIn = (address: string, response: LoginResponse, password: string) => {
    settings.update({ server: address, token: response.token, login: response.user.login });
    setServer(address);
    setNotice(undefined);
    setSigned({ server: address, token: response.token, user: response.user, session: openSession(address, response.token, settings, { login: response.user.login, password }, backoff, false) });
  };

  if (!signed) {
    if (screen === 'leaving') return <Text>{t.quitting}</Text>;
    return <LoginScreen t={t} server={server} login={user ?? settings.read().login ?? ''} notice={notice} onLoggedIn={onLoggedIn} onQuit={exit} />;
  }
  return (
    <SignedIn
      t={t}
      signed={signed}
      screen={screen}
      setScreen={setScreen}
      ringBell={ringBell}
      leave={leave}
      deskPhone={deskPhone}
      onSave={({ extension, server: address }) => {
        const result = settings.update({ extension, server: address });
        if (!result.ok) return false;
        if (address !== signed.server) {
          // The token is only good at the switchboard that issued it.
          setServer(address);
          void leave('relogin');
        } else if (extension !== signed.session.getSnapshot().extension) {
          signed.session.bindTo(extension);
        }
        return true;
      }}
    />
  );
}

interface SignedInProps {
  t: Catalogue;
  signed: Signed;
  screen: Screen;
  setScreen: (screen: Screen) => void;
  ringBell: () => void;
  leave: (then: 'quit' | 'logout' | 'relogin', message?: string) => Promise<void>;
  onSave: (values: { extension: string; server: string }) => boolean;
  deskPhone: DeskPhone | undefined;
}

function SignedIn({ t, signed, screen, setScreen, ringBell, leave, onSave, deskPhone }: SignedInProps) {
  const { session } = signed;
  const state = useConsoleState(session);
  const user = state.user ?? signed.user;
  const canConfigure = user?.roles.includes('configure') === true;

  useEffect(() => {
    if (state.sessionEnded) void leave('relogin', t.sessionEnded);
  }, [state.sessionEnded, leave, t]);

  // In raw mode Ctrl+C is a key, not SIGINT: it quits like `q`, releasing the station first.
  useKeys((input, key) => {
    if (key.ctrl && input === 'c') void leave('quit');
  }, screen !== 'leaving');

  switch (screen) {
    case 'leaving':
      return (
        <Box>
          <Text>{t.quitting}</Text>
        </Box>
      );
    case 'configuration':
      return (
        <ConfigurationScreen
          t={t}
          extension={state.extension}
          server={signed.server}
          canConfigure={canConfigure}
          onSave={onSave}
          onBack={() => setScreen('main')}
        />
      );
    case 'phones':
      return <PhonesScreen t={t} server={signed.server} token={session.token} canConfigure={canConfigure} onBack={() => setScreen('main')} />;
    case 'main':
      return (
        <MainScreen
          t={t}
          session={session}
          canConfigure={canConfigure}
          ringBell={ringBell}
          onConfigure={() => setScreen('configuration')}
          onPhones={() => setScreen('phones')}
          onLogout={() => void leave('logout')}
          onQuit={() => void leave('quit')}
          deskPhone={deskPhone}
        />
      );
  }
}

/**
 * A session for the stored extension. Interactive consoles start paused (the
 * demo's starts ready, `startReady`): the
 * dispatcher says when they are ready. The password, when the dispatcher just
 * typed it, stays in memory (never on disk) so the console can log in again by
 * itself after a switchboard restart, which forgets every token.
 */
function openSession(
  server: string,
  token: string,
  settings: SettingsFile,
  credentials: { login: string; password: string } | undefined,
  backoff: Backoff | undefined,
  ready: boolean,
): StationSession {
  const relogin: Relogin | undefined = credentials
    ? async () => {
        const outcome = await logIn(server, credentials.login, credentials.password);
        if (outcome.ok) return { token: outcome.response.token };
        return outcome.reason === 'unreachable' || outcome.reason === 'bad-answer' ? { retry: true } : { refused: true };
      }
    : undefined;
  return new StationSession({
    server,
    token,
    extension: settings.read().extension ?? null,
    ready,
    ...(relogin && { relogin }),
    onToken: (fresh) => settings.update({ token: fresh }),
    ...(backoff && { backoff }),
  });
}
