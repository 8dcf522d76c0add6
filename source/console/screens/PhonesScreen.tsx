// The office's phones and their SIP credentials, for users with the
// `configure` role (the switchboard refuses the others too). `i` or Enter on a
// row shows the credentials and a QR code of the provisioning link for the
// Android SIP app; the QR library is loaded only here.
import { Box, Text } from 'ink';
import React, { useEffect, useState } from 'react';
import type { PhoneCredentials } from '../../api/messages.js';
import { listPhones } from '../client/api.js';
import { useKeys } from '../hooks/use-keys.js';
import type { Catalogue } from '../i18n/index.js';

export interface PhonesScreenProps {
  t: Catalogue;
  server: string;
  token: string;
  canConfigure: boolean;
  onBack: () => void;
}

type Load = { state: 'loading' } | { state: 'refused' } | { state: 'failed'; message: string } | { state: 'loaded'; phones: PhoneCredentials[] };

export function PhonesScreen({ t, server, token, canConfigure, onBack }: PhonesScreenProps) {
  const [load, setLoad] = useState<Load>(canConfigure ? { state: 'loading' } : { state: 'refused' });
  const [selected, setSelected] = useState(0);
  const [details, setDetails] = useState<PhoneCredentials | undefined>();

  useEffect(() => {
    if (!canConfigure) return;
    let current = true;
    void listPhones(server, token).then((outcome) => {
      if (!current) return;
      if (outcome.ok) setLoad({ state: 'loaded', phones: outcome.phones });
      else if (outcome.reason === 'forbidden') setLoad({ state: 'refused' });
      else setLoad({ state: 'failed', message: 'detail' in outcome ? outcome.detail : outcome.reason });
    });
    return () => void (current = false);
  }, [server, token, canConfigure]);

  useKeys((input, key) => {
    if (details) {
      if (key.escape || input === 'i') setDetails(undefined);
      return;
    }
    if (key.escape) return onBack();
    if (load.state !== 'loaded' || load.phones.length === 0) return;
    if (key.upArrow) setSelected((s) => Math.max(0, s - 1));
    if (key.downArrow) setSelected((s) => Math.min(load.phones.length - 1, s + 1));
    if (input === 'i' || key.return) setDetails(load.phones[Math.min(selected, load.phones.length - 1)]);
  });

  if (details) return <PhoneDetails t={t} phone={details} />;
  return (
    <Box flexDirection="column" paddingX={1}>
      <Text bold>{t.phonesTitle}</Text>
      {load.state === 'loading' && <Text>{t.phonesLoading}</Text>}
      {load.state === 'refused' && <Text color="yellow">{t.phonesRefused}</Text>}
      {load.state === 'failed' && <Text color="red">{t.phonesFailed(load.message)}</Text>}
      {load.state === 'loaded' && load.phones.length === 0 && <Text dimColor>{t.phonesEmpty}</Text>}
      {load.state === 'loaded' &&
        load.phones.map((phone, index) => (
          <Text key={phone.extension} inverse={index === selected} wrap="truncate">
            {`${phone.extension.padEnd(7)} ${phone.displayName.slice(0, 30).padEnd(30)} ${t.kinds[phone.kind] ?? phone.kind}`}
          </Text>
        ))}
      <Text dimColor>{load.state === 'loaded' ? t.phonesHint : t.configurationBack}</Text>
    </Box>
  );
}

function PhoneDetails({ t, phone }: { t: Catalogue; phone: PhoneCredentials }) {
  const [qr, setQr] = useState<string | undefined>();
  useEffect(() => {
    let current = true;
    void import('qrcode').then(async ({ default: QRCode }) => {
      // utf8 half blocks: two modules per character row, no colour codes, so Ink can lay it out.
      const text = await QRCode.toString(phone.provisioning.qr, { type: 'utf8', margin: 1, errorCorrectionLevel: 'L' });
      if (current) setQr(text.trimEnd());
    });
    return () => void (current = false);
  }, [phone.provisioning.qr]);
  const { sipServer } = phone;
  return (
    <Box flexDirection="column" paddingX={1}>
      <Text bold>
        {t.phonesTitle}: {phone.extension} {phone.displayName}
      </Text>
      <Box>
        <Box flexDirection="column" marginRight={2}>
          {qr ? <Text>{qr}</Text> : <Text>{t.phonesLoading}</Text>}
        </Box>
        <Box flexDirection="column" flexShrink={1}>
          <Text>
            {t.extension}: {phone.extension}
          </Text>
          <Text>
            {t.password}: {phone.password}
          </Text>
          <Text>
            {t.sipServer}: {sipServer.host}:{sipServer.port} ({sipServer.transport})
          </Text>
          <Text>
            {t.domain}: {phone.domain}
          </Text>
          <Text> </Text>
          <Text>{t.scanQr}</Text>
          <Text>{t.provisioningLink}:</Text>
          <Text>{phone.provisioning.url}</Text>
        </Box>
      </Box>
      <Text dimColor>{t.phoneDetailsHint}</Text>
    </Box>
  );
}
