// "Konfiguracja Dyspozytora": which phone this station uses and which
// switchboard it talks to, kept in the local settings. Only users with the
// `configure` role may change them; others see them read-only.
import { Box, Text } from 'ink';
import React, { useState } from 'react';
import { TextField } from '../components/TextField.js';
import { useKeys } from '../hooks/use-keys.js';
import type { Catalogue } from '../i18n/index.js';
import { extensionProblem, normalizeServer, serverProblem } from '../settings.js';

export interface ConfigurationScreenProps {
  t: Catalogue;
  extension: string | null;
  server: string;
  canConfigure: boolean;
  /** Stores the values; returns false when storing failed. */
  onSave: (values: { extension: string; server: string }) => boolean;
  onBack: () => void;
}

const fields = ['extension', 'server'] as const;

export function ConfigurationScreen({ t, extension: initialExtension, server: initialServer, canConfigure, onSave, onBack }: ConfigurationScreenProps) {
  const [extension, setExtension] = useState(initialExtension ?? '');
  const [server, setServer] = useState(initialServer);
  const [focus, setFocus] = useState<(typeof fields)[number]>('extension');
  const [message, setMessage] = useState<{ error: boolean; text: string } | undefined>();

  useKeys((_input, key) => {
    if (key.escape) return onBack();
    if (!canConfigure) return;
    if (key.tab || key.downArrow || key.upArrow) return setFocus(focus === 'extension' ? 'server' : 'extension');
    if (key.return) {
      const trimmed = extension.trim();
      const address = normalizeServer(server);
      if (extensionProblem(trimmed)) return setMessage({ error: true, text: t.badExtension });
      if (serverProblem(address)) return setMessage({ error: true, text: t.badServer });
      if (onSave({ extension: trimmed, server: address })) setMessage({ error: false, text: t.saved });
    }
  });

  return (
    <Box flexDirection="column" paddingX={1}>
      <Text bold>{t.configurationTitle}</Text>
      <Box flexDirection="column" marginY={1}>
        {canConfigure ? (
          <>
            <TextField label={t.extension} value={extension} onChange={setExtension} focused={focus === 'extension'} maxLength={6} />
            <TextField label={t.server} value={server} onChange={setServer} focused={focus === 'server'} />
          </>
        ) : (
          <>
            <Text>
              {t.extension}: {initialExtension ?? t.notSet}
            </Text>
            <Text>
              {t.server}: {initialServer}
            </Text>
          </>
        )}
      </Box>
      {!canConfigure && <Text color="yellow">{t.configurationReadOnly}</Text>}
      {message && <Text color={message.error ? 'red' : 'green'}>{message.text}</Text>}
      <Text dimColor>{canConfigure ? t.configurationHint : t.configurationBack}</Text>
    </Box>
  );
}
