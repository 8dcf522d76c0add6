// The top two lines: which station this is and who works at it, whether the
// switchboard is reachable; then its phone and ready or paused (and why).
// Two lines because the Polish words do not fit one line of 80 columns.
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
    <Box flexDirection="column">
      <Box justifyContent="space-between">
        <Box flexShrink={1}>
          <Text wrap="truncate">
            <Text bold>
              {t.station} {state.extension ?? '—'}
            </Text>
            {state.user ? ` · ${state.user.displayName || state.user.login}` : ''}
          </Text>
        </Box>
        <Box flexShrink={0}>
          <Text color={state.link.state === 'connected' ? 'green' : 'red'}> {link}</Text>
        </Box>
      </Box>
      <Text wrap="truncate">
        <Text color={station?.registration === 'registered' ? 'green' : 'yellow'}>{registrationText(t, station)}</Text>
        {' · '}
        <Text bold color={ready ? 'green' : 'yellow'}>
          {ready ? t.ready : t.paused}
        </Text>
        {!ready && reason ? ` (${reason})` : ''}
      </Text>
    </Box>
  );
}
