// The pure rules of the identity module: token lifetimes, the refresh decision, reset windows.
import type { IdentityConfig } from './ports';

/** The identity settings with their defaults applied. */
export function identitySettings(config: IdentityConfig) {
  return {
    ...config,
    sessionMaxAgeSeconds: config.sessionMaxAgeSeconds ?? 24 * 3600,
    familyMaxAgeSeconds: config.familyMaxAgeSeconds ?? 90 * 86_400,
    refreshGraceSeconds: config.refreshGraceSeconds ?? 30,
  };
}
export type IdentitySettings = ReturnType<typeof identitySettings>;

/** An id no user has (uuids are random): what the unknown-address path of forgot-password queries with. */
export const NO_USER_ID = '00000000-0000-0000-0000-000000000000';

/** The form of an address accounts are matched by (sign-in and reset are case-insensitive). */
export function normalizeEmail(email: string): string {
  return email.toLowerCase();
}

/** The earlier of two moments. */
export function earliest(a: Date, b: Date): Date {
  return a < b ? a : b;
}

/** The moment `seconds` after `from` (negative: before). */
export function after(from: Date, seconds: number): Date {
  return new Date(from.getTime() + seconds * 1000);
}

/** The absolute end of a refresh family that starts now (a login). */
export function newFamilyEnd(now: Date, settings: Pick<IdentitySettings, 'familyMaxAgeSeconds'>): Date {
  return after(now, settings.familyMaxAgeSeconds);
}

/** The end of a token's family (rows from before the column: created_at + the maximum age). */
export function familyEnd(row: { familyExpiresAt: Date | null; createdAt: Date }, familyMaxAgeSeconds: number): Date {
  return row.familyExpiresAt ?? after(row.createdAt, familyMaxAgeSeconds);
}

/** The moment a session ends whatever its use (sessions from before the column: created_at + the maximum age). */
export function absoluteEnd(row: { absoluteExpiresAt: Date | null; createdAt: Date }, maxAgeSeconds: number): Date {
  return row.absoluteExpiresAt ?? after(row.createdAt, maxAgeSeconds);
}

/** When lucia sees a session expire: its sliding expiry or its absolute end, whichever comes first. */
export function sessionExpiry(
  row: { expiresAt: Date; absoluteExpiresAt: Date | null; createdAt: Date },
  maxAgeSeconds: number,
): Date {
  return new Date(Math.min(row.expiresAt.getTime(), absoluteEnd(row, maxAgeSeconds).getTime()));
}

/**
 * The expiries of a new access/refresh pair issued now in a family: neither
 * outlives the family, and the session not its own absolute end.
 */
export function pairExpiries(
  now: Date,
  familyEndsAt: Date,
  settings: Pick<IdentitySettings, 'accessTtlSeconds' | 'refreshTtlSeconds' | 'sessionMaxAgeSeconds'>,
) {
  const sessionEnd = earliest(after(now, settings.sessionMaxAgeSeconds), familyEndsAt);
  return {
    sessionExpiresAt: earliest(after(now, settings.accessTtlSeconds), sessionEnd),
    sessionEnd,
    refreshExpiresAt: earliest(after(now, settings.refreshTtlSeconds), familyEndsAt),
  };
}

/**
 * What presenting a known refresh token leads to:
 * - `invalid`: expired (itself or its family), revoked, or its owner is gone;
 * - `disabled`: still valid but its owner is deactivated (the family is revoked; told why, as login is);
 * - `rotate`: spends it and issues a new pair in the family;
 * - `concurrent`: spent less than the grace window ago (the other refresh of two tabs): a pair of its own;
 * - `reused`: spent longer ago, a stolen token (the family is revoked).
 */
export type RefreshDecision = 'invalid' | 'disabled' | 'rotate' | 'concurrent' | 'reused';

/** Decides what a refresh with this token does (see `RefreshDecision`). */
export function refreshDecision(
  token: { expiresAt: Date; revokedAt: Date | null; rotatedAt: Date | null },
  familyEndsAt: Date,
  owner: { isActive: boolean } | undefined,
  now: Date,
  graceSeconds: number,
): RefreshDecision {
  if (!owner) return 'invalid';
  if (token.expiresAt > now && !owner.isActive) return 'disabled';
  const alive = token.expiresAt > now && familyEndsAt > now;
  if (!alive || token.revokedAt) return 'invalid';
  if (token.rotatedAt) return token.rotatedAt > after(now, -graceSeconds) ? 'concurrent' : 'reused';
  return 'rotate';
}

/** A reset request made after this moment is within the cooldown of a new one made now. */
export function resetCooldownStart(now: Date, settings: Pick<IdentitySettings, 'resetCooldownSeconds'>): Date {
  return after(now, -settings.resetCooldownSeconds);
}

/** When a reset token issued now ends. */
export function resetTokenExpiry(now: Date, settings: Pick<IdentitySettings, 'resetTtlSeconds'>): Date {
  return after(now, settings.resetTtlSeconds);
}

/** Whether an admin's operation targets their own account (refused: the contract's 409). */
export function isOwnAccount(actorId: string, userId: string): boolean {
  return actorId === userId;
}
