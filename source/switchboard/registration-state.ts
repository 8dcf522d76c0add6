// The registration state of an extension, as the registrar publishes it and
// the station board and consoles consume it.
import type { EventEmitter } from 'node:events';

/** registered: a live binding answered its last OPTIONS ping (or just registered);
 *  unreachable: bindings exist but the phone stopped answering; none: no binding. */
export type RegistrationState = 'registered' | 'unreachable' | 'none';

export interface Binding {
  extension: string;
  /** The Contact URI the phone registered. */
  contact: string;
  /** Where the REGISTER came from: requests to the phone go here (NAT). */
  source: { transport: 'udp' | 'tcp'; address: string; port: number };
  expiresAt: number;
  userAgent?: string;
  reachable: boolean;
}

/** Emits 'change' (extension: string, state: RegistrationState) whenever a state changes. */
export interface RegistrationView extends EventEmitter {
  state(extension: string): RegistrationState;
  bindings(extension: string): Binding[];
}
