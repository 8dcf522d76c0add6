// A demo phone on the switchboard: a phone user agent on the switchboard's
// address, answering its calls through `onIncoming`, registered as an
// extension. Shared by the simulated stations and the person's desk phone.
import { PhoneAgent, type IncomingHandler } from '../phone/index.js';

export interface PhoneLineOptions {
  extension: string;
  password: string;
  sip: { host: string; port: number };
  onIncoming: IncomingHandler;
  /** Who the phone is, for the error when the switchboard refuses it. */
  who: string;
}

/** Starts and registers the phone; rejects (with the phone stopped) when the switchboard refuses it. */
export async function startPhoneLine(o: PhoneLineOptions): Promise<PhoneAgent> {
  const phone = await PhoneAgent.start({ localAddress: o.sip.host });
  phone.onIncoming(o.onIncoming);
  const { outcome } = await phone.register({ server: { ...o.sip, transport: 'udp' }, extension: o.extension, password: o.password });
  if (outcome.kind !== 'registered') {
    await phone.stop();
    throw new Error(`${o.who} could not register: ${JSON.stringify(outcome)}`);
  }
  return phone;
}
