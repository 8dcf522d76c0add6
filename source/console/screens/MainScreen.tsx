// The dispatcher's working screen: the station's header, banners that must be
// noticed (ringing, connection lost, refusals), the live queue, this
// station's call and the other stations. Keys: r c p l q (and t to take a
// station over; a and h answer and hang up a desk phone when the console has
// one, as in `dispatcher demo`). Everything is sized to the terminal, 80×24
// included.
import { Box, Text } from 'ink';
import React, { useEffect, useRef } from 'react';
import type { StationSession } from '../client/session.js';
import type { DeskPhone, DeskPhoneState } from '../desk-phone.js';
import { otherStations, pauseChoices, ringingHere, type ConsoleState } from '../client/state.js';
import { Banner } from '../components/Banner.js';
import { CallPanel } from '../components/CallPanel.js';
import { Header } from '../components/Header.js';
import { QueueList } from '../components/QueueList.js';
import { StationList } from '../components/StationList.js';
import { useConsoleState } from '../hooks/use-console-state.js';
import { useDeskPhone } from '../hooks/use-desk-phone.js';
import { useKeys } from '../hooks/use-keys.js';
import { useNow } from '../hooks/use-now.js';
import { useTerminalSize } from '../hooks/use-terminal-size.js';
import type { Catalogue } from '../i18n/index.js';

export interface MainScreenProps {
  t: Catalogue;
  session: StationSession;
  canConfigure: boolean;
  /** Called once for each caller newly offered to this station. */
  ringBell: () => void;
  onConfigure: () => void;
  onPhones: () => void;
  onLogout: () => void;
  onQuit: () => void;
  /** A phone in this process that the keys a and h drive; absent for real stations. */
  deskPhone?: DeskPhone;
}

export function MainScreen({ t, session, canConfigure, ringBell, onConfigure, onPhones, onLogout, onQuit, deskPhone }: MainScreenProps) {
  const state = useConsoleState(session);
  const now = useNow();
  const { columns, rows } = useTerminalSize();
  const ringing = ringingHere(state);
  useBell(ringing.map((c) => c.id), ringBell);
  const phone = useDeskPhone(deskPhone);
  // Paused at a station this console holds: the keys 1-4 say why.
  const pausedHere = state.bound && state.station !== null && !state.station.ready;

  useKeys((input) => {
    switch (input) {
      case 'r':
        if (state.extension !== null) session.toggleReady();
        return;
      case '1':
      case '2':
      case '3':
      case '4':
        if (pausedHere) session.pause(pauseChoices[Number(input) - 1]!);
        return;
      case 'c':
        return onConfigure();
      case 'p':
        return onPhones();
      case 'l':
        return onLogout();
      case 'q':
        return onQuit();
      case 't':
        if (state.refusal?.reason === 'taken') session.bindTo(state.refusal.extension, true);
        return;
      case 'a':
        return deskPhone?.answer();
      case 'h':
        return deskPhone?.hangUp();
    }
  });

  const banners = bannerLines(t, state, ringing.map((c) => c.from ?? t.unknownCaller), now, canConfigure, deskPhone && phone);
  // Two lines for the header, one for the keys (plus the desk phone's and the pause reasons' when shown), one
  // kept free: Ink redraws the whole screen when its output is as tall as the terminal.
  const body = Math.max(5, rows - 4 - (deskPhone ? 1 : 0) - (pausedHere ? 1 : 0) - banners.length);
  const wide = columns >= 60;
  // Beside the queue: the call (title and two lines), a blank line, the stations' title.
  const stationRows = wide ? body - 5 : Math.max(2, Math.floor(body / 3));
  const queueRows = wide ? body - 1 : Math.max(1, body - stationRows - 6);
  const others = otherStations(state);
  const own = state.bound ? state.station : null;

  return (
    <Box flexDirection="column" width={columns}>
      <Header t={t} state={state} />
      {banners.map((banner, index) => (
        <Banner key={index} tone={banner.tone} text={banner.text} />
      ))}
      <Box flexDirection={wide ? 'row' : 'column'}>
        <Box width={wide ? Math.floor(columns * 0.55) : columns} flexDirection="column">
          <QueueList t={t} callers={state.callers} now={now} rows={queueRows} ownExtension={state.bound ? state.extension : null} />
        </Box>
        <Box flexDirection="column" flexGrow={1}>
          <CallPanel t={t} station={own} now={now} />
          <Box marginTop={1}>
            <StationList t={t} stations={others} rows={stationRows} now={now} />
          </Box>
        </Box>
      </Box>
      {deskPhone && (
        <Text dimColor wrap="truncate">
          {t.deskPhoneKeys(deskPhone.extension)}
        </Text>
      )}
      {pausedHere && (
        <Text dimColor wrap="truncate">
          {t.pauseKeys(pauseChoices.map((reason, index) => `${index + 1} ${t.pauseReasons[reason] ?? reason}`).join(' · '))}
        </Text>
      )}
      <Text dimColor wrap="truncate">
        {t.mainKeys}
      </Text>
    </Box>
  );
}

interface BannerLine {
  tone: 'alert' | 'warning' | 'info';
  text: string;
}

function bannerLines(t: Catalogue, state: ConsoleState, ringingFrom: string[], now: number, canConfigure: boolean, phone: DeskPhoneState | undefined): BannerLine[] {
  const lines: BannerLine[] = [];
  for (const from of ringingFrom.slice(0, 1)) lines.push({ tone: 'alert', text: t.ringingBanner(from) });
  // The desk phone may ring a moment before the switchboard's offer reaches the console.
  if (phone === 'ringing') {
    if (ringingFrom.length === 0) lines.push({ tone: 'alert', text: t.ringingBanner(t.unknownCaller) });
    lines.push({ tone: 'alert', text: t.deskPhoneRinging });
  }
  if (phone === 'talking') lines.push({ tone: 'info', text: t.deskPhoneTalking });
  // After a take-over the console stays off on purpose: that banner says why instead.
  if (state.link.state === 'disconnected' && !state.sessionEnded && !state.takenOverBy) {
    const retryAt = state.link.retryAt;
    lines.push({ tone: 'alert', text: t.disconnectedBanner(retryAt === null ? null : Math.max(0, Math.ceil((retryAt - now) / 1000))) });
  }
  if (state.takenOverBy) lines.push({ tone: 'warning', text: t.takenOver(state.takenOverBy.displayName || state.takenOverBy.login) });
  const refusal = state.refusal;
  if (refusal) {
    const by = refusal.heldBy ? refusal.heldBy.displayName || refusal.heldBy.login : '?';
    lines.push({ tone: 'warning', text: t.refused[refusal.reason]?.(refusal.extension, by) ?? refusal.reason });
  }
  if (state.extension === null) lines.push({ tone: 'info', text: canConfigure ? t.noExtension : t.noExtensionAskAdmin });
  if (state.lastError && state.lastError.code !== 'not-bound') lines.push({ tone: 'warning', text: t.serverError(state.lastError.message) });
  return lines;
}

/** Rings the terminal bell once per caller newly offered here, not on every render. */
function useBell(ringingIds: string[], ringBell: () => void): void {
  const rung = useRef(new Set<string>());
  const key = ringingIds.join('\n');
  useEffect(() => {
    const current = new Set(ringingIds);
    if (ringingIds.some((id) => !rung.current.has(id))) ringBell();
    rung.current = current;
    // `key` stands for the ids: the array itself is new on every render.
  }, [key, ringBell]);
}
