// A SIP phone built on the embedded SIP server and drachtio-srf: the
// `dispatcher test-call` command and the demo's stations and passengers use it.
export { PhoneAgent, PhoneError, type PhoneAgentOptions, type CallOutcome, type PlaceCallOptions, type IncomingInvite, type IncomingHandler } from './agent.js';
export { PhoneCall, type CallReport } from './call.js';
export { Registration, type RegisterOutcome } from './registration.js';
export { AudioMeter, AUDIBLE_DBFS, type CallLevel } from './audio-meter.js';
export { readChallenges, authorizationValue, type DigestChallenge, type Credentials } from './digest-credentials.js';
export { serverUri } from './sip-types.js';
