// The waiting passengers, first come first: position, number, how long they
// have waited (ticking), and where each is ringing. Only as many rows as fit;
// the rest is counted in a "+N more" line.
import { Box, Text } from 'ink';
import React from 'react';
import type { QueuedCaller } from '../../api/messages.js';
import { clock } from '../format.js';
import type { Catalogue } from '../i18n/index.js';

export interface QueueListProps {
  t: Catalogue;
  callers: QueuedCaller[];
  now: number;
  /** Rows available for callers, the "+N more" line included. */
  rows: number;
  ownExtension: string | null;
}

export function QueueList({ t, callers, now, rows, ownExtension }: QueueListProps) {
  const fit = callers.length <= rows ? callers.length : Math.max(0, rows - 1);
  const shown = callers.slice(0, fit);
  const hidden = callers.length - shown.length;
  return (
    <Box flexDirection="column">
      <Text bold underline>
        {t.queueTitle(callers.length)}
      </Text>
      {callers.length === 0 && <Text dimColor>{t.queueEmpty}</Text>}
      {shown.map((caller, index) => {
        const here = ownExtension !== null && caller.ringing.includes(ownExtension);
        return (
          <Text key={caller.id} wrap="truncate" color={here ? 'red' : undefined} bold={here}>
            {`${String(index + 1).padStart(3)}. ${(caller.from ?? t.unknownCaller).padEnd(16)} ${clock(now - caller.waitingSince).padStart(5)}  `}
            {caller.ringing.length > 0 ? t.ringingAt(caller.ringing.join(', ')) : t.waiting}
          </Text>
        );
      })}
      {hidden > 0 && <Text dimColor>{t.more(hidden)}</Text>}
    </Box>
  );
}
