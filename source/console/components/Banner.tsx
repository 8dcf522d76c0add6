// A full-width line that must be noticed: ringing, connection lost, refusals.
import { Box, Text } from 'ink';
import React from 'react';

export function Banner({ tone, text }: { tone: 'alert' | 'warning' | 'info'; text: string }) {
  const colors = { alert: 'red', warning: 'yellow', info: 'cyan' } as const;
  return (
    <Box>
      <Text bold inverse color={colors[tone]} wrap="truncate">
        {` ${text} `}
      </Text>
    </Box>
  );
}
