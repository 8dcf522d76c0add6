// The store's public face: open it, use its repositories, catch StoreError.
export { openStore, databaseFileName, type Store } from './database.js';
export { StoreError, isStoreError, type StoreErrorCode } from './errors.js';
export { migrations, migrate, type Migration } from './migrations.js';
export { UserRepository, type NewUser } from './users.js';
export { PhoneRepository, type NewPhone } from './phones.js';
export type { Phone, PhoneDirectory, PhoneKind, Role, User, UserDirectory } from './types.js';
export { CallLog, type CallRecord, type CallOffer, type CallOutcome, type OfferResult } from './calls.js';
