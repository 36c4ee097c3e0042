import { createHash, randomBytes } from 'node:crypto';

/** A random, URL-safe secret token (256 bits). */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The SHA-256 of a token, hex: what the database keeps instead of the token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
