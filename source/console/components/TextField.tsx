// One line of typed text: a label, the value (masked for passwords) and a
// cursor while focused. Tab, Enter and Escape belong to the screen.
import { Box, Text } from 'ink';
import React from 'react';
import { useKeys } from '../hooks/use-keys.js';

export interface TextFieldProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  focused: boolean;
  masked?: boolean;
  labelWidth?: number;
  maxLength?: number;
}

export function TextField({ label, value, onChange, focused, masked = false, labelWidth = 16, maxLength = 200 }: TextFieldProps) {
  useKeys((input, key) => {
    if (key.backspace || key.delete) return onChange(value.slice(0, -1));
    if (key.ctrl || key.meta || key.tab || key.return || key.escape || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow) return;
    // Pasted text arrives in one piece; control characters never belong in a field.
    const printable = input.replace(/[\u0000-\u001f\u007f]/g, '');
    if (printable) onChange((value + printable).slice(0, maxLength));
  }, focused);
  const shown = masked ? '•'.repeat(value.length) : value;
  return (
    <Box>
      <Box width={labelWidth}>
        <Text bold={focused}>{label}:</Text>
      </Box>
      <Text inverse={false} color={focused ? 'cyan' : undefined}>
        {shown}
        {focused ? '▏' : ''}
      </Text>
    </Box>
  );
}
