// The other stations: who holds each and whether it can take a call now.
import { Box, Text } from 'ink';
import React from 'react';
import type { StationState } from '../../api/messages.js';
import { clock, stationStateText } from '../format.js';
import type { Catalogue } from '../i18n/index.js';

export function StationList({ t, stations, rows, now }: { t: Catalogue; stations: StationState[]; rows: number; now: number }) {
  const fit = stations.length <= rows ? stations.length : Math.max(0, rows - 1);
  const hidden = stations.length - fit;
  return (
    <Box flexDirection="column">
      <Text bold underline>
        {t.stationsTitle}
      </Text>
      {stations.length === 0 && <Text dimColor>{t.noStations}</Text>}
      {stations.slice(0, fit).map((station) => (
        <Text key={station.extension} wrap="truncate" color={station.eligible ? 'green' : undefined}>
          {`${station.extension.padEnd(6)} ${(station.console?.displayName ?? t.free).slice(0, 14).padEnd(14)} `}
          {stationStateText(t, station)}
          {station.call ? ` ${clock(now - station.call.since)}` : ''}
        </Text>
      ))}
      {hidden > 0 && <Text dimColor>{t.more(hidden)}</Text>}
    </Box>
  );
}
