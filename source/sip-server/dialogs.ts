// The server's table of SIP dialogs (RFC 3261 section 12): which app owns each
// one, the numbers and addresses needed to build in-dialog requests, and the
// state that decides 481 and 491. Dialog ids use drachtio's format,
// `<Call-ID>;from-tag=<tag of the side that sent the INVITE>`.
import type { AppConnection } from './control.js';
import type { SipTransportName, SipEndpoint } from './options.js';
import type { Flow, Target } from './transport.js';

export interface Dialog {
  id: string;
  role: 'uas' | 'uac';
  kind: 'INVITE' | 'SUBSCRIBE';
  app?: AppConnection;
  callId: string;
  localTag: string;
  remoteTag: string;
  /** Our From (uac) or To (uas) value, tag included. */
  localParty: string;
  remoteParty: string;
  localSeq: number;
  remoteSeq: number;
  remoteTarget: string;
  routeSet: string[];
  transport: SipTransportName;
  flow?: Flow;
  local: SipEndpoint;
  localContact: string;
  /** A re-INVITE from the peer that the app has not answered yet. */
  peerReinvitePending: boolean;
  /** A re-INVITE from the app that has no final response yet. */
  appReinvitePending: boolean;
  /** CSeq of the INVITE whose 2xx the app must ACK (uac). */
  ackSeq: number;
  lastAck?: { seq: number; data: Buffer; target: Target };
  /** A 2xx we sent (uas) that is retransmitted until the ACK arrives. */
  pending2xx?: { seq: number; timer: NodeJS.Timeout };
}

export class DialogTable {
  private readonly byId = new Map<string, Dialog>();
  private readonly byLocalTag = new Map<string, Dialog>();
  private readonly byCallId = new Map<string, Dialog>();

  get size(): number {
    return this.byId.size;
  }

  static idFor(callId: string, uacTag: string): string {
    return `${callId};from-tag=${uacTag}`;
  }

  add(d: Dialog): void {
    this.byId.set(d.id, d);
    this.byLocalTag.set(`${d.callId}\n${d.localTag}`, d);
    this.byCallId.set(d.callId, d);
  }

  get(id: string): Dialog | undefined {
    return this.byId.get(id);
  }

  /** The dialog a message belongs to, by Call-ID and our own tag. */
  find(callId: string, localTag: string | undefined): Dialog | undefined {
    return localTag === undefined ? undefined : this.byLocalTag.get(`${callId}\n${localTag}`);
  }

  findByCallId(callId: string): Dialog | undefined {
    return this.byCallId.get(callId);
  }

  remove(d: Dialog): void {
    if (d.pending2xx) clearTimeout(d.pending2xx.timer);
    d.pending2xx = undefined;
    if (this.byId.get(d.id) === d) this.byId.delete(d.id);
    const key = `${d.callId}\n${d.localTag}`;
    if (this.byLocalTag.get(key) === d) this.byLocalTag.delete(key);
    if (this.byCallId.get(d.callId) === d) this.byCallId.delete(d.callId);
  }

  ownedBy(app: AppConnection): Dialog[] {
    return [...this.byId.values()].filter((d) => d.app === app);
  }

  all(): Dialog[] {
    return [...this.byId.values()];
  }
}
