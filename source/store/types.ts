// What the switchboard remembers, as the rest of the product sees it. The
// SQLite repositories in this folder implement these; tests may use others.

export type Role = 'dispatcher' | 'configure';
export type PhoneKind = 'headset' | 'desk' | 'android';

export interface User {
  login: string;
  displayName: string;
  roles: Role[];
  createdAt: string;
}

export interface Phone {
  /** Internal extension number, e.g. "201". */
  extension: string;
  /** SIP digest password: shown only to users with the `configure` role. */
  password: string;
  displayName: string;
  kind: PhoneKind;
  createdAt: string;
}

/** The registrar's view of the phones: read on every REGISTER, so changes apply at once. */
export interface PhoneDirectory {
  getPhone(extension: string): Phone | undefined;
}

/** The console API's view of the users. */
export interface UserDirectory {
  /**
   * The user when login and password match, else undefined (constant-time
   * compare). Asynchronous: password hashing must not stall the switchboard's
   * SIP work in the same process.
   */
  verify(login: string, password: string): Promise<User | undefined>;
  getUser(login: string): User | undefined;
}
