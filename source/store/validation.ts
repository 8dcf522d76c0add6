// The rules for what may be stored: login, passwords, extension, kind, display
// name. Pure functions returning what is wrong (without naming the value, so
// each caller can: "login", "--password") or undefined when it is fine. Shared
// by the store, which throws StoreError 'invalid', and the command line
// parsers, which report a usage error before anything is opened.
import type { PhoneKind, Role } from './types.js';

export const roles: readonly Role[] = ['dispatcher', 'configure'];
export const phoneKinds: readonly PhoneKind[] = ['headset', 'desk', 'android'];
export const defaultPhoneKind: PhoneKind = 'desk';

export const userPasswordMinLength = 8;
// Long enough for any passphrase, short enough that nobody makes the server
// hash megabytes on a login attempt.
export const userPasswordMaxLength = 1024;
export const sipPasswordMinLength = 8;
export const sipPasswordMaxLength = 64;
export const displayNameMaxLength = 64;

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (roles as readonly string[]).includes(value);
}

export function isPhoneKind(value: unknown): value is PhoneKind {
  return typeof value === 'string' && (phoneKinds as readonly string[]).includes(value);
}

export function loginProblem(login: string): string | undefined {
  if (!/^[a-z0-9._-]{1,32}$/.test(login)) {
    return 'expected 1 to 32 characters a-z, 0-9, dot, underscore or hyphen';
  }
  return undefined;
}

export function userPasswordProblem(password: string): string | undefined {
  if (password.length < userPasswordMinLength) return `at least ${userPasswordMinLength} characters`;
  if (password.length > userPasswordMaxLength) return `at most ${userPasswordMaxLength} characters`;
  return undefined;
}

export function extensionProblem(extension: string): string | undefined {
  if (!/^\d{2,6}$/.test(extension)) return 'expected 2 to 6 digits';
  return undefined;
}

export function sipPasswordProblem(password: string): string | undefined {
  if (password.length < sipPasswordMinLength) return `at least ${sipPasswordMinLength} characters`;
  if (password.length > sipPasswordMaxLength) return `at most ${sipPasswordMaxLength} characters`;
  // Typed into phones by hand and shown as a QR code: printable ASCII only, so
  // every SIP app and keypad can enter it.
  if (!/^[\x21-\x7e]+$/.test(password)) return 'printable ASCII only, no spaces';
  return undefined;
}

export function phoneKindProblem(kind: string): string | undefined {
  if (!isPhoneKind(kind)) return `expected one of ${phoneKinds.join(', ')}`;
  return undefined;
}

export function displayNameProblem(name: string): string | undefined {
  if (name.trim() === '') return 'must not be empty';
  if (name.length > displayNameMaxLength) return `at most ${displayNameMaxLength} characters`;
  // Names end up in SIP headers and terminal tables: no line breaks or escapes.
  if (/[\x00-\x1f\x7f]/.test(name)) return 'no control characters';
  return undefined;
}

export function rolesProblem(list: readonly string[]): string | undefined {
  if (list.length === 0) return 'at least one role';
  const unknown = list.filter((role) => !isRole(role));
  if (unknown.length > 0) return `unknown ${unknown.join(', ')}; expected ${roles.join(', ')}`;
  return undefined;
}
