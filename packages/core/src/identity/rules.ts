// The pure rules of the identity module: token lifetimes, the refresh decision, reset windows, API keys.
import { API_KEY_PATTERN, type Role } from '@statuspage/contracts';
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

// --- API keys

/** What every key starts with; the rest is `<id part>_<secret>` (contracts' `API_KEY_PATTERN`). */
export const API_KEY_PREFIX = 'sp_live_';
/** Letters and digits of the id part (shown in lists) and of the secret (~190 bits). */
export const API_KEY_ID_LENGTH = 8;
export const API_KEY_SECRET_LENGTH = 32;
/** `last_used_at` is written at most once in this many seconds per key. */
export const API_KEY_LAST_USED_RESOLUTION_SECONDS = 60;

const anchoredKeyPattern = new RegExp(`^${API_KEY_PATTERN.source.replaceAll('\\b', '')}$`);

/** Whether a bearer token has the form of an API key (else it is an access token). */
export function isApiKeyFormat(token: string): boolean {
  return anchoredKeyPattern.test(token);
}

/** The key a client is given, from its id part and secret. */
export function formatApiKey(idPart: string, secret: string): string {
  return `${API_KEY_PREFIX}${idPart}_${secret}`;
}

/** The public start of a key, kept and listed to recognise it (`sp_live_<id part>`). */
export function apiKeyDisplayPrefix(key: string): string {
  return key.slice(0, API_KEY_PREFIX.length + API_KEY_ID_LENGTH);
}

const roleRank: Record<Role, number> = { user: 1, operator: 2, admin: 3 };

/** Whether `role` is at most `ceiling` (user < operator < admin). */
export function roleWithin(role: Role, ceiling: Role): boolean {
  return roleRank[role] <= roleRank[ceiling];
}

/** The lower of two roles: a key acts with the lower of its own role and its owner's current role. */
export function lowerRole(a: Role, b: Role): Role {
  return roleRank[a] <= roleRank[b] ? a : b;
}

/** Who may create keys at all: operators and admins (a `user` account cannot). */
export function mayCreateKeys(callerRole: Role): boolean {
  return roleWithin('operator', callerRole);
}

/** Who sees and revokes every key (not only their own): admins. */
export function managesAllKeys(callerRole: Role): boolean {
  return callerRole === 'admin';
}

/** Whether an expiry chosen at creation is acceptable: none, or after now. */
export function keyExpiryAcceptable(expiresAt: Date | null, now: Date): boolean {
  return expiresAt === null || expiresAt > now;
}

/**
 * The expiry of a new key: the one asked for (null: none), but never after the expiry of the
 * key creating it (`creatorKeyExpiresAt`; undefined when a person creates it), so a
 * short-lived key cannot mint a longer-lived one.
 */
export function newKeyExpiry(requested: Date | null, creatorKeyExpiresAt: Date | null | undefined): Date | null {
  if (!creatorKeyExpiresAt) return requested;
  return requested && requested < creatorKeyExpiresAt ? requested : creatorKeyExpiresAt;
}

/**
 * The role a presented key acts with, or null when it must be refused: revoked, expired
 * (at its expiry exactly), or its owner deactivated.
 */
export function apiKeyAuthority(
  key: { role: Role; revokedAt: Date | null; expiresAt: Date | null },
  owner: { role: Role; isActive: boolean },
  now: Date,
): Role | null {
  if (key.revokedAt || !owner.isActive) return null;
  if (key.expiresAt && key.expiresAt <= now) return null;
  return lowerRole(key.role, owner.role);
}

/** Whether a use now should be written to `last_used_at` (never used, or last written a minute ago or more). */
export function lastUseDue(lastUsedAt: Date | null, now: Date): boolean {
  return lastUsedAt === null || lastUsedAt <= after(now, -API_KEY_LAST_USED_RESOLUTION_SECONDS);
}
