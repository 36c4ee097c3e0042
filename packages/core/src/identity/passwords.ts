import { hash, verify } from '@node-rs/argon2';

// Argon2id (algorithm 2 of @node-rs/argon2, its default) with the library's default costs.
const options = { algorithm: 2 } as const;

/** Hashes a password with argon2id. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, options);
}

// Verified against when the e-mail is unknown, so a miss costs as much as a hit.
let dummyHash: Promise<string> | undefined;

/** Checks a password against a stored hash (or against a dummy hash when there is none). */
export async function verifyPassword(storedHash: string | undefined, password: string): Promise<boolean> {
  if (!storedHash) {
    dummyHash ??= hashPassword('not-a-real-password-0000');
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  return verify(storedHash, password).catch(() => false);
}
