// "Konfiguracja Dyspozytora": which phone this station uses and which
// switchboard it talks to, kept in the local settings. Only users with the
// `configure` role may change them; others see them read-only.
import { Box, Text } from 'ink';
import React, { useEffect, useReducer, useState } from 'react';
import { formReducer, initialForm } from '../components/form.js';
import { TextField } from '../components/TextField.js';
import { useKeys } from '../hooks/use-keys.js';
import type { Catalogue } from '../i18n/index.js';
import { extensionProblem, normalizeServer, serverProblem } from '../settings-rules.js';

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

export function ConfigurationScreen({ t, extension, server, canConfigure, onSave, onBack }: ConfigurationScreenProps) {
  const [form, dispatch] = useReducer(formReducer<(typeof fields)[number]>, undefined, () =>
    initialForm(fields, { extension: extension ?? '', server }, 'extension', { extension: 6 }),
  );
  const [message, setMessage] = useState<{ error: boolean; text: string } | undefined>();

  useEffect(() => {
    if (!form.submitted) return;
    dispatch({ type: 'handled' });
    const wanted = form.values.extension.trim();
    const address = normalizeServer(form.values.server);
    if (extensionProblem(wanted)) return setMessage({ error: true, text: t.badExtension });
    if (serverProblem(address)) return setMessage({ error: true, text: t.badServer });
    if (onSave({ extension: wanted, server: address })) setMessage({ error: false, text: t.saved });
  }, [form.submitted, form.values, t, onSave]);

  useKeys((input, key) => {
    if (key.escape) return onBack();
    if (!canConfigure) return;
    // Enter saves from either field.
    if (key.return) return dispatch({ type: 'submit' });
    setMessage(undefined);
    dispatch({ type: 'key', input, key });
  });

  return (
    <Box flexDirection="column" paddingX={1}>
      <Text bold>{t.configurationTitle}</Text>
      <Box flexDirection="column" marginY={1}>
        {canConfigure ? (
          <>
            <TextField label={t.extension} value={form.values.extension} focused={form.focus === 'extension'} />
            <TextField label={t.server} value={form.values.server} focused={form.focus === 'server'} />
          </>
        ) : (
          <>
            <Text>
              {t.extension}: {extension ?? t.notSet}
            </Text>
            <Text>
              {t.server}: {server}
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
