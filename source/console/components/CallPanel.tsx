// This station's call in progress: who, for how long (ticking), recorded or
// not; or the wrap-up time left after a call.
import { Box, Text } from 'ink';
import React from 'react';
import type { StationState } from '../../api/messages.js';
import { clock } from '../format.js';
import type { Catalogue } from '../i18n/index.js';

export function CallPanel({ t, station, now }: { t: Catalogue; station: StationState | null; now: number }) {
  const call = station?.call ?? null;
  const wrapUpLeft = station?.wrapUpUntil ? Math.ceil((station.wrapUpUntil - now) / 1000) : 0;
  return (
    <Box flexDirection="column">
      <Text bold underline>
        {t.callTitle}
      </Text>
      {call ? (
        <>
          <Text wrap="truncate">
            <Text bold color="green">
              {call.peer || t.unknownCaller}
            </Text>
            {` (${t.callKinds[call.kind] ?? call.kind})`}
          </Text>
          <Text wrap="truncate">
            {`${clock(now - call.since)} `}
            {call.recording ? <Text color="red">{t.recording}</Text> : null}
          </Text>
        </>
      ) : wrapUpLeft > 0 ? (
        <Text color="yellow">{t.wrapUp(wrapUpLeft)}</Text>
      ) : (
        <Text dimColor>{t.noCall}</Text>
      )}
    </Box>
  );
}
