// The switchboard's HTTP side as the console uses it: log in, log out, list
// the phones. Every failure becomes one of a few outcomes the screens can
// put in plain words; nothing here throws for a server that is down or odd.
import type { HttpErrorBody, LoginResponse, PhoneCredentials } from '../../api/messages.js';

export type LoginOutcome =
  | { ok: true; response: LoginResponse }
  | { ok: false; reason: 'wrong-password' }
  | { ok: false; reason: 'locked-out'; retryAfterSeconds: number | null }
  | { ok: false; reason: 'unreachable'; detail: string }
  | { ok: false; reason: 'bad-answer'; detail: string };

export type PhonesOutcome =
  | { ok: true; phones: PhoneCredentials[] }
  | { ok: false; reason: 'forbidden' | 'session-ended' }
  | { ok: false; reason: 'unreachable' | 'bad-answer'; detail: string };

const requestTimeoutMs = 5_000;

async function request(url: string, init: RequestInit): Promise<Response | { unreachable: string }> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(requestTimeoutMs) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { unreachable: cause?.code ?? cause?.message ?? (error as Error).message };
  }
}

async function json(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

export async function logIn(server: string, login: string, password: string): Promise<LoginOutcome> {
  const response = await request(`${server}/api/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ login, password }),
  });
  if ('unreachable' in response) return { ok: false, reason: 'unreachable', detail: response.unreachable };
  const body = await json(response);
  if (response.status === 401) return { ok: false, reason: 'wrong-password' };
  if (response.status === 429) {
    const retryAfter = Number(response.headers.get('retry-after'));
    return { ok: false, reason: 'locked-out', retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null };
  }
  const answer = body as Partial<LoginResponse> | undefined;
  if (response.status !== 200 || typeof answer?.token !== 'string' || typeof answer.user?.login !== 'string' || !Array.isArray(answer.user.roles)) {
    return { ok: false, reason: 'bad-answer', detail: `HTTP ${response.status}${errorText(body)}` };
  }
  return { ok: true, response: answer as LoginResponse };
}

/** Ends the login session on the switchboard; a switchboard that is down has forgotten it anyway. */
export async function logOut(server: string, token: string): Promise<void> {
  await request(`${server}/api/logout`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
}

export async function listPhones(server: string, token: string): Promise<PhonesOutcome> {
  const response = await request(`${server}/api/phones`, { headers: { Authorization: `Bearer ${token}` } });
  if ('unreachable' in response) return { ok: false, reason: 'unreachable', detail: response.unreachable };
  const body = await json(response);
  if (response.status === 403) return { ok: false, reason: 'forbidden' };
  if (response.status === 401) return { ok: false, reason: 'session-ended' };
  const phones = (body as { phones?: unknown } | undefined)?.phones;
  if (response.status !== 200 || !Array.isArray(phones)) {
    return { ok: false, reason: 'bad-answer', detail: `HTTP ${response.status}${errorText(body)}` };
  }
  const usable = phones.filter(
    (p): p is PhoneCredentials =>
      typeof p?.extension === 'string' && typeof p.password === 'string' && typeof p.provisioning?.qr === 'string' && typeof p.sipServer?.host === 'string',
  );
  return { ok: true, phones: usable };
}

function errorText(body: unknown): string {
  const message = (body as Partial<HttpErrorBody> | undefined)?.message;
  return typeof message === 'string' ? `: ${message.slice(0, 200)}` : '';
}
