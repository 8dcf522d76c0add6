// The top line: which station this is, its phone, ready or paused (and why),
// and whether the switchboard is reachable.
import { Box, Text } from 'ink';
import React from 'react';
import type { ConsoleState } from '../client/state.js';
import { pauseReasonText, registrationText } from '../format.js';
import type { Catalogue } from '../i18n/index.js';

export function Header({ t, state }: { t: Catalogue; state: ConsoleState }) {
  const station = state.bound ? state.station : null;
  const ready = station?.ready === true;
  const reason = pauseReasonText(t, station?.pauseReason ?? null);
  const link = state.link.state === 'connected' ? t.connected : state.link.state === 'connecting' ? t.connecting : t.disconnected;
  return (
    <Box justifyContent="space-between">
      <Text wrap="truncate">
        <Text bold>
          {t.station} {state.extension ?? '—'}
        </Text>
        {state.user ? ` · ${state.user.displayName || state.user.login}` : ''}
        {' · '}
        <Text color={station?.registration === 'registered' ? 'green' : 'yellow'}>{registrationText(t, station)}</Text>
        {' · '}
        <Text bold color={ready ? 'green' : 'yellow'}>
          {ready ? t.ready : t.paused}
        </Text>
        {!ready && reason ? ` (${reason})` : ''}
      </Text>
      <Text color={state.link.state === 'connected' ? 'green' : 'red'}> {link}</Text>
    </Box>
  );
}
