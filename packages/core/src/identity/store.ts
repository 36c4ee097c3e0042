import type { Role } from '@statuspage/contracts';
import { apiKeys, type Database, passwordResetTokens, refreshTokens, sessions, users } from '@statuspage/db';
import { and, asc, count, desc, eq, gt, isNull, lte, or, type SQL, sql } from 'drizzle-orm';
import { preparedQuery } from '../shared/prepared';
import { windowTotal } from '../shared/sql';
import { normalizeEmail } from './rules';

// The SQL of the identity module (users, sessions, refresh and reset tokens, API keys). Every function
// takes the db or the transaction first, so the use-case owns the transaction.

export type SessionRow = typeof sessions.$inferSelect;

// --- users

/** A condition, for a statement of another module: the user `userId` names exists and is active. */
export const activeAccountSql = (userId: SQL) => sql<boolean>`exists (
  select 1 from ${users} as receiving_owner where receiving_owner.id = ${userId} and receiving_owner.is_active
)`;

/** The user with this id, or undefined. */
export async function findUserById(db: Database, id: string) {
  const [row] = await db.select().from(users).where(eq(users.id, id));
  return row;
}

/** The user with this address in any case, or undefined. */
export async function findUserByEmail(db: Database, email: string) {
  const [row] = await db
    .select()
    .from(users)
    .where(eq(sql`lower(${users.email})`, normalizeEmail(email)));
  return row;
}

/** Inserts a user; a duplicate address (any case) raises the unique violation. */
export async function insertUser(tx: Database, values: typeof users.$inferInsert) {
  const [row] = await tx.insert(users).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** Updates a user's columns; the updated row, or undefined when there is none. */
export async function updateUser(tx: Database, id: string, values: Partial<typeof users.$inferInsert>) {
  const [row] = await tx.update(users).set(values).where(eq(users.id, id)).returning();
  return row;
}

/** Locks a user row for the transaction (an id matching nothing locks nothing, at the same cost). */
export async function lockUser(tx: Database, id: string) {
  await tx.execute(sql`select 1 from ${users} where ${users.id} = ${id} for update`);
}

/** One page of users, optionally of one role, oldest first, and their number. */
export async function selectUsersPage(
  tx: Database,
  filter: { role?: Role | undefined; limit: number; offset: number },
) {
  const where = filter.role ? eq(users.role, filter.role) : undefined;
  // The page and the total in one statement (one snapshot, one round trip); a page past the end
  // has no row to carry the total, so only then is it counted apart.
  const name = filter.role ? 'users_page_of_role' : 'users_page';
  const query = preparedQuery(tx, name, (handle) =>
    handle
      .select({ user: users, total: windowTotal })
      .from(users)
      .where(filter.role ? eq(users.role, sql.placeholder('role')) : undefined)
      .orderBy(asc(users.createdAt), asc(users.id))
      .limit(sql.placeholder('limit'))
      .offset(sql.placeholder('offset'))
      .prepare(name),
  );
  const found = await query.execute({ role: filter.role, limit: filter.limit, offset: filter.offset });
  const rows = found.map((row) => row.user);
  if (found[0]) return { rows, total: found[0].total };
  const totals = await tx.select({ total: count() }).from(users).where(where);
  return { rows, total: totals[0]?.total ?? 0 };
}

// --- sessions (access tokens)

/** Inserts a session row. */
export async function insertSession(tx: Database, values: typeof sessions.$inferInsert) {
  await tx.insert(sessions).values(values);
}

/** The session with this id, or undefined. */
export async function findSession(db: Database, id: string) {
  const [row] = await db.select().from(sessions).where(eq(sessions.id, id));
  return row;
}

/** The session with this id and its user, or undefined. */
export async function findSessionAndUser(db: Database, id: string) {
  // Every request with an access token asks: prepared once.
  const query = preparedQuery(db, 'find_session_and_user', (handle) =>
    handle
      .select({ session: sessions, user: users })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(eq(sessions.id, sql.placeholder('id')))
      .prepare('find_session_and_user'),
  );
  const [row] = await query.execute({ id });
  return row;
}

/** Every session of a user. */
export function selectUserSessions(db: Database, userId: string) {
  return db.select().from(sessions).where(eq(sessions.userId, userId));
}

/** Moves a session's sliding expiry, never past its absolute end (rows from before the column: created_at + the maximum age). */
export async function extendSession(db: Database, id: string, expiresAt: Date, maxAgeSeconds: number) {
  const end = sql`coalesce(${sessions.absoluteExpiresAt}, ${sessions.createdAt} + make_interval(secs => ${maxAgeSeconds}))`;
  await db
    .update(sessions)
    .set({ expiresAt: sql`least(${expiresAt.toISOString()}::timestamptz, ${end})` })
    .where(eq(sessions.id, id));
}

/** Deletes one session. */
export async function deleteSession(db: Database, id: string) {
  await db.delete(sessions).where(eq(sessions.id, id));
}

/** Deletes every session of a refresh family. */
export async function deleteFamilySessions(tx: Database, familyId: string) {
  await tx.delete(sessions).where(eq(sessions.familyId, familyId));
}

/** Deletes every session of a user. */
export async function deleteUserSessions(tx: Database, userId: string) {
  await tx.delete(sessions).where(eq(sessions.userId, userId));
}

/** Deletes the sessions whose sliding expiry has passed. */
export async function deleteExpiredSessions(db: Database, now: Date) {
  await db.delete(sessions).where(lte(sessions.expiresAt, now));
}

// --- refresh tokens

/** Inserts a refresh-token row (the token hashed). */
export async function insertRefreshToken(tx: Database, values: typeof refreshTokens.$inferInsert) {
  await tx.insert(refreshTokens).values(values);
}

/** The refresh token with this hash, or undefined; `lock` locks its row for the transaction. */
export async function findRefreshToken(tx: Database, tokenHash: string, lock = false) {
  const query = tx.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash));
  const [row] = lock ? await query.for('update') : await query;
  return row;
}

/** Marks a refresh token spent by a rotation. */
export async function markRefreshTokenRotated(tx: Database, id: string, now: Date) {
  await tx.update(refreshTokens).set({ rotatedAt: now }).where(eq(refreshTokens.id, id));
}

/** Revokes the refresh tokens of a family that are not revoked yet. */
export async function revokeFamilyRefreshTokens(tx: Database, familyId: string, now: Date) {
  await tx
    .update(refreshTokens)
    .set({ revokedAt: now })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
}

/** Revokes the refresh tokens of a user that are not revoked yet. */
export async function revokeUserRefreshTokens(tx: Database, userId: string, now: Date) {
  await tx
    .update(refreshTokens)
    .set({ revokedAt: now })
    .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
}

// --- password-reset tokens

/** Marks the unused reset tokens of a user used. */
export async function spendUserResetTokens(tx: Database, userId: string, now: Date) {
  await tx
    .update(passwordResetTokens)
    .set({ usedAt: now })
    .where(and(eq(passwordResetTokens.userId, userId), isNull(passwordResetTokens.usedAt)));
}

/** Whether a reset token was issued to the user after `since`. */
export async function hasResetTokenSince(tx: Database, userId: string, since: Date) {
  const [recent] = await tx
    .select({ id: passwordResetTokens.id })
    .from(passwordResetTokens)
    .where(and(eq(passwordResetTokens.userId, userId), gt(passwordResetTokens.createdAt, since)))
    .orderBy(desc(passwordResetTokens.createdAt))
    .limit(1);
  return recent !== undefined;
}

/** Inserts a reset token (hashed). */
export async function insertResetToken(tx: Database, values: typeof passwordResetTokens.$inferInsert) {
  await tx.insert(passwordResetTokens).values(values);
}

const usableResetToken = (tokenHash: string, now: Date) =>
  and(
    eq(passwordResetTokens.tokenHash, tokenHash),
    isNull(passwordResetTokens.usedAt),
    gt(passwordResetTokens.expiresAt, now),
  );

/** Whether the reset token with this hash is unused and not expired. */
export async function isResetTokenUsable(db: Database, tokenHash: string, now: Date) {
  const [found] = await db
    .select({ id: passwordResetTokens.id })
    .from(passwordResetTokens)
    .where(usableResetToken(tokenHash, now));
  return found !== undefined;
}

/** Spends the reset token with this hash if it is usable, atomically; its row, or undefined. */
export async function spendResetToken(tx: Database, tokenHash: string, now: Date) {
  const [used] = await tx
    .update(passwordResetTokens)
    .set({ usedAt: now })
    .where(usableResetToken(tokenHash, now))
    .returning();
  return used;
}

// --- API keys

export type ApiKeyRow = typeof apiKeys.$inferSelect;

const keyWithOwner = { key: apiKeys, ownerEmail: users.email } as const;

/** Inserts a key (its secret hashed); the row. */
export async function insertApiKey(tx: Database, values: typeof apiKeys.$inferInsert) {
  const [row] = await tx.insert(apiKeys).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** The keys that are not revoked, of one owner or of everyone, newest first, with their owners' addresses. */
export function selectApiKeys(db: Database, filter: { ownerId?: string | undefined }) {
  const where = filter.ownerId
    ? and(isNull(apiKeys.revokedAt), eq(apiKeys.userId, filter.ownerId))
    : isNull(apiKeys.revokedAt);
  return db
    .select(keyWithOwner)
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(where)
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
}

/** One key that is not revoked, with its owner's address, or undefined. */
export async function findApiKey(db: Database, id: string) {
  const [row] = await db
    .select(keyWithOwner)
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)));
  return row;
}

/** The key with this secret hash (revoked or not) and its owner, or undefined: what authentication decides on. */
export async function findApiKeyBySecret(db: Database, secretHash: string) {
  // Every request with an API key asks: prepared once.
  const query = preparedQuery(db, 'find_api_key_by_secret', (handle) =>
    handle
      .select({ key: apiKeys, owner: users })
      .from(apiKeys)
      .innerJoin(users, eq(users.id, apiKeys.userId))
      .where(eq(apiKeys.secretHash, sql.placeholder('secretHash')))
      .prepare('find_api_key_by_secret'),
  );
  const [row] = await query.execute({ secretHash });
  return row;
}

/** Revokes a key that is not revoked yet (of `ownerId` only, when given); whether one was. */
export async function revokeApiKeyRow(tx: Database, id: string, now: Date, ownerId?: string) {
  const rows = await tx
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt), ownerId ? eq(apiKeys.userId, ownerId) : undefined))
    .returning({ id: apiKeys.id });
  return rows.length > 0;
}

/** Revokes every key of a user that is not revoked yet (deactivation). */
export async function revokeUserApiKeys(tx: Database, userId: string, now: Date) {
  await tx
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)));
}

/**
 * Records a use of a key unless one was recorded after `notAfter` (the condition is in the
 * statement, so replicas racing on one key write once per minute, not once each).
 */
export async function touchApiKey(db: Database, id: string, now: Date, notAfter: Date) {
  await db
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(and(eq(apiKeys.id, id), or(isNull(apiKeys.lastUsedAt), lte(apiKeys.lastUsedAt, notAfter))));
}
