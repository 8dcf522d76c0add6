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
  // One state for the cursor and the open row, changed only by functional
  // updates: keys may arrive before the screen has re-rendered.
  const [view, setView] = useState({ selected: 0, open: false });

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

  const count = load.state === 'loaded' ? load.phones.length : 0;
  useKeys((input, key) => {
    if (view.open) {
      if (key.escape || input === 'i') setView((v) => ({ ...v, open: false }));
      return;
    }
    if (key.escape) return onBack();
    if (count === 0) return;
    if (key.upArrow) setView((v) => ({ ...v, selected: Math.max(0, v.selected - 1) }));
    if (key.downArrow) setView((v) => ({ ...v, selected: Math.min(count - 1, v.selected + 1) }));
    if (input === 'i' || key.return) setView((v) => ({ ...v, open: true }));
  });

  const selected = Math.min(view.selected, Math.max(0, count - 1));
  if (view.open && load.state === 'loaded' && load.phones[selected]) return <PhoneDetails t={t} phone={load.phones[selected]} />;
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
      // The margin must be even: the utf8 renderer halves it.
      const text = await QRCode.toString(phone.provisioning.qr, { type: 'utf8', margin: 2, errorCorrectionLevel: 'L' });
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
        <Box flexDirection="column" marginRight={2} flexShrink={0}>
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
