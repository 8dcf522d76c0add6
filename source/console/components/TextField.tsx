// One line of a form: a label, the value (masked for passwords) and a cursor
// while focused. Keys are handled by the form's reducer (form.ts).
import { Box, Text } from 'ink';
import React from 'react';

export interface TextFieldProps {
  label: string;
  value: string;
  focused: boolean;
  masked?: boolean;
  labelWidth?: number;
}

export function TextField({ label, value, focused, masked = false, labelWidth = 16 }: TextFieldProps) {
  const shown = masked ? '•'.repeat(value.length) : value;
  return (
    <Box>
      <Box width={labelWidth} flexShrink={0}>
        <Text bold={focused}>{label}:</Text>
      </Box>
      <Text color={focused ? 'cyan' : undefined} wrap="truncate-start">
        {shown}
        {focused ? '▏' : ''}
      </Text>
    </Box>
  );
}
