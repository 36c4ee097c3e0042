import { randomUUID } from 'node:crypto';
import type { LoginInput, RegisterInput, TokenPair, UpdateProfileInput, User } from '@statuspage/contracts';
import { type Database, passwordResetTokens, refreshTokens, sessions, users } from '@statuspage/db';
import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import { writeOutbox } from '../outbox/write';
import type { Clock } from '../shared/clock';
import { generateToken, hashToken } from '../shared/crypto';
import { changedColumns } from '../shared/patch';
import { type AccountCreatedHook, createAccount } from './accounts';
import { IdentityErrors } from './errors';
import { hashPassword, verifyPassword } from './passwords';
import type { SessionManager, SessionUser } from './session-store';
import { toUserDto } from './user-dto';

export interface IdentityConfig {
  /** Lifetime of an access token (a lucia session, sliding). */
  accessTtlSeconds: number;
  /** Lifetime of a refresh token; each use rotates it. */
  refreshTtlSeconds: number;
  /** Lifetime of a password-reset token (SPEC: 1 hour). */
  resetTtlSeconds: number;
  /** At most one reset e-mail per user in this window (SPEC: 5 minutes). */
  resetCooldownSeconds: number;
  /** Longest life of one access token however often it is used (default 24 h; a refresh starts a new one). */
  sessionMaxAgeSeconds?: number | undefined;
  /** Longest life of a refresh family from its login however often it rotates (default 90 days). */
  familyMaxAgeSeconds?: number | undefined;
  /** How long a rotated refresh token still rotates, for concurrent refreshes (default 30 s). */
  refreshGraceSeconds?: number | undefined;
}

/** The identity settings with their defaults applied. */
export function identitySettings(config: IdentityConfig) {
  return {
    ...config,
    sessionMaxAgeSeconds: config.sessionMaxAgeSeconds ?? 24 * 3600,
    familyMaxAgeSeconds: config.familyMaxAgeSeconds ?? 90 * 86_400,
    refreshGraceSeconds: config.refreshGraceSeconds ?? 30,
  };
}

export interface IdentityDeps {
  /** Runs in the transaction that creates an account. */
  onAccountCreated?: AccountCreatedHook | undefined;
  db: Database;
  sessions: SessionManager;
  clock: Clock;
  config: IdentityConfig;
}

export interface AuthenticatedSession {
  user: SessionUser;
  sessionId: string;
  /** Lucia extended the session: the access cookie should be set again. */
  fresh: boolean;
  expiresAt: Date;
}

/** An id no user has (uuids are random): what the unknown-address path of forgot-password queries with. */
const NO_USER_ID = '00000000-0000-0000-0000-000000000000';

const byEmail = (email: string) => eq(sql`lower(${users.email})`, email.toLowerCase());

const earliest = (a: Date, b: Date) => (a < b ? a : b);
const after = (from: Date, seconds: number) => new Date(from.getTime() + seconds * 1000);

type RefreshOutcome = { ok: true; user: typeof users.$inferSelect; tokens: TokenPair } | { ok: false; error: Error };

export function createAuthUseCases(deps: IdentityDeps) {
  const { db, clock } = deps;
  const config = identitySettings(deps.config);

  /**
   * A new access token (a lucia session row) and refresh token in a family;
   * neither outlives the family, and the session not its own absolute end.
   */
  async function issueTokens(tx: Database, userId: string, familyId: string, familyEnd: Date): Promise<TokenPair> {
    const now = clock();
    const sessionEnd = earliest(after(now, config.sessionMaxAgeSeconds), familyEnd);
    const accessToken = generateToken();
    await tx.insert(sessions).values({
      id: hashToken(accessToken),
      userId,
      familyId,
      expiresAt: earliest(after(now, config.accessTtlSeconds), sessionEnd),
      absoluteExpiresAt: sessionEnd,
      createdAt: now,
    });
    const refreshToken = generateToken();
    await tx.insert(refreshTokens).values({
      tokenHash: hashToken(refreshToken),
      userId,
      familyId,
      expiresAt: earliest(after(now, config.refreshTtlSeconds), familyEnd),
      familyExpiresAt: familyEnd,
      createdAt: now,
    });
    return { access_token: accessToken, refresh_token: refreshToken, expires_in: config.accessTtlSeconds };
  }

  async function revokeFamily(tx: Database, familyId: string) {
    await tx
      .update(refreshTokens)
      .set({ revokedAt: clock() })
      .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
    await tx.delete(sessions).where(eq(sessions.familyId, familyId));
  }

  /**
   * Ends every session, refresh token and unused reset link of a user
   * (deactivation, password change or reset): a new password makes the old links worthless.
   */
  async function revokeAllForUser(tx: Database, userId: string) {
    await tx
      .update(passwordResetTokens)
      .set({ usedAt: clock() })
      .where(and(eq(passwordResetTokens.userId, userId), isNull(passwordResetTokens.usedAt)));
    await tx
      .update(refreshTokens)
      .set({ revokedAt: clock() })
      .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
    await tx.delete(sessions).where(eq(sessions.userId, userId));
  }

  async function findUser(id: string) {
    const [row] = await db.select().from(users).where(eq(users.id, id));
    if (!row) throw IdentityErrors.userNotFound();
    return row;
  }

  return {
    revokeAllForUser,

    /** Registers a `user` account. Duplicate e-mail (any case) → conflict. */
    async register(input: RegisterInput): Promise<User> {
      return createAccount(
        db,
        {
          email: input.email,
          password: input.password,
          firstName: input.first_name,
          lastName: input.last_name,
          role: 'user',
          mustChangePassword: false,
        },
        deps.onAccountCreated,
      );
    },

    /** Checks the credentials and opens a session family. Deactivated accounts fail after the hash check. */
    async login(input: LoginInput): Promise<{ user: User; tokens: TokenPair }> {
      const [row] = await db.select().from(users).where(byEmail(input.email));
      const ok = await verifyPassword(row?.passwordHash, input.password);
      if (!row || !ok) throw IdentityErrors.invalidCredentials();
      if (!row.isActive) throw IdentityErrors.accountDisabled();
      const tokens = await issueTokens(db, row.id, randomUUID(), after(clock(), config.familyMaxAgeSeconds));
      return { user: toUserDto(row), tokens };
    },

    /**
     * Rotates a refresh token: the presented one is spent and a new pair is
     * issued in the same family. A token spent less than the grace window ago
     * rotates again (two tabs refreshing at once both stay signed in); spent
     * longer ago it revokes the family (token theft). Nothing outlives the
     * family's absolute end.
     */
    async refresh(refreshToken: string): Promise<{ user: User; tokens: TokenPair }> {
      const tokenHash = hashToken(refreshToken);
      // The row lock serialises refreshes of one token: the second sees the first one's rotation.
      const outcome = await db.transaction(async (tx): Promise<RefreshOutcome> => {
        const now = clock();
        const [known] = await tx
          .select()
          .from(refreshTokens)
          .where(eq(refreshTokens.tokenHash, tokenHash))
          .for('update');
        if (!known) return { ok: false, error: IdentityErrors.invalidRefreshToken() };
        const familyEnd = known.familyExpiresAt ?? after(known.createdAt, config.familyMaxAgeSeconds);
        const alive = known.expiresAt > now && familyEnd > now;
        const [owner] = await tx.select().from(users).where(eq(users.id, known.userId));
        if (!owner) return { ok: false, error: IdentityErrors.invalidRefreshToken() };
        // Deactivation revokes every token; a genuine one presented afterwards is told why (403), as login is.
        if (known.expiresAt > now && !owner.isActive) {
          await revokeFamily(tx, known.familyId);
          return { ok: false, error: IdentityErrors.accountDisabled() };
        }
        if (!alive || known.revokedAt) return { ok: false, error: IdentityErrors.invalidRefreshToken() };
        if (known.rotatedAt) {
          if (known.rotatedAt > after(now, -config.refreshGraceSeconds)) {
            // The other refresh of a concurrent pair: a pair of its own, the first one's left alone.
            return { ok: true, user: owner, tokens: await issueTokens(tx, owner.id, known.familyId, familyEnd) };
          }
          await revokeFamily(tx, known.familyId);
          return { ok: false, error: IdentityErrors.refreshTokenReused() };
        }
        await tx.update(refreshTokens).set({ rotatedAt: now }).where(eq(refreshTokens.id, known.id));
        // The family's previous access token ends with the rotation.
        await tx.delete(sessions).where(eq(sessions.familyId, known.familyId));
        return { ok: true, user: owner, tokens: await issueTokens(tx, owner.id, known.familyId, familyEnd) };
      });
      if (!outcome.ok) throw outcome.error;
      return { user: toUserDto(outcome.user), tokens: outcome.tokens };
    },

    /** Ends the session of the access token and the family of the refresh token, whichever are given. */
    async logout(opts: { sessionId?: string | undefined; refreshToken?: string | undefined }) {
      if (opts.sessionId) {
        const [session] = await db.select().from(sessions).where(eq(sessions.id, opts.sessionId));
        if (session) await revokeFamily(db, session.familyId);
      }
      if (opts.refreshToken) {
        const [known] = await db
          .select()
          .from(refreshTokens)
          .where(eq(refreshTokens.tokenHash, hashToken(opts.refreshToken)));
        if (known) await revokeFamily(db, known.familyId);
      }
    },

    /** Resolves an access token to its user; null when unknown, expired or deactivated. */
    async authenticate(accessToken: string): Promise<AuthenticatedSession | null> {
      const { session, user } = await deps.sessions.validateSession(hashToken(accessToken));
      if (!session || !user) return null;
      const sessionUser = user as unknown as SessionUser;
      if (!sessionUser.isActive) return null;
      return { user: sessionUser, sessionId: session.id, fresh: session.fresh, expiresAt: session.expiresAt };
    },

    /** The signed-in user's profile. */
    async me(userId: string): Promise<User> {
      return toUserDto(await findUser(userId));
    },

    /** Updates the signed-in user's names. Changing nothing writes nothing. */
    async updateProfile(userId: string, input: UpdateProfileInput): Promise<User> {
      const current = await findUser(userId);
      const changed = changedColumns(current, { firstName: input.first_name, lastName: input.last_name });
      if (Object.keys(changed).length === 0) return toUserDto(current);
      const [row] = await db
        .update(users)
        .set({ ...changed, updatedAt: clock() })
        .where(eq(users.id, userId))
        .returning();
      if (!row) throw IdentityErrors.userNotFound();
      return toUserDto(row);
    },

    /** Changes the password after checking the current one; ends every session of the user. */
    async changePassword(userId: string, currentPassword: string, newPassword: string) {
      const user = await findUser(userId);
      if (!(await verifyPassword(user.passwordHash, currentPassword))) throw IdentityErrors.wrongCurrentPassword();
      const passwordHash = await hashPassword(newPassword);
      await db.transaction(async (tx) => {
        await tx
          .update(users)
          .set({ passwordHash, mustChangePassword: false, updatedAt: clock() })
          .where(eq(users.id, userId));
        await revokeAllForUser(tx, userId);
      });
    },

    /**
     * Starts a password reset: writes the reset e-mail to the outbox with a
     * single-use token. Silent for unknown or deactivated accounts and within
     * the cooldown, so the answer never tells whether an account exists; an
     * unknown address runs the same transaction and queries as a known one
     * (on an id that matches nothing), so the time does not tell either, bar
     * the two inserts of an e-mail actually sent.
     */
    async forgotPassword(email: string) {
      const [found] = await db.select().from(users).where(byEmail(email));
      const user = found?.isActive ? found : undefined;
      const userId = user?.id ?? NO_USER_ID;
      const now = clock();
      const since = new Date(now.getTime() - config.resetCooldownSeconds * 1000);
      await db.transaction(async (tx) => {
        // Serialises concurrent requests for the same user, so the cooldown holds under races.
        await tx.execute(sql`select 1 from ${users} where ${users.id} = ${userId} for update`);
        const [recent] = await tx
          .select({ id: passwordResetTokens.id })
          .from(passwordResetTokens)
          .where(and(eq(passwordResetTokens.userId, userId), gt(passwordResetTokens.createdAt, since)))
          .orderBy(desc(passwordResetTokens.createdAt))
          .limit(1);
        if (recent || !user) return;
        const token = generateToken();
        const expiresAt = new Date(now.getTime() + config.resetTtlSeconds * 1000);
        await tx
          .insert(passwordResetTokens)
          .values({ tokenHash: hashToken(token), userId: user.id, expiresAt, createdAt: now });
        await writeOutbox(tx, 'email.password_reset', {
          user_id: user.id,
          email: user.email,
          first_name: user.firstName,
          token,
          expires_at: expiresAt.toISOString(),
        });
      });
    },

    /**
     * Sets a new password with a reset token (single use, not expired); ends
     * every session and the user's other reset links. The token is
     * looked up before the new password is hashed: a wrong token costs a query,
     * not an argon2 hash.
     */
    async resetPassword(token: string, newPassword: string) {
      const tokenHash = hashToken(token);
      const usable = (now: Date) =>
        and(
          eq(passwordResetTokens.tokenHash, tokenHash),
          isNull(passwordResetTokens.usedAt),
          gt(passwordResetTokens.expiresAt, now),
        );
      const [found] = await db.select({ id: passwordResetTokens.id }).from(passwordResetTokens).where(usable(clock()));
      if (!found) throw IdentityErrors.invalidResetToken();
      const passwordHash = await hashPassword(newPassword);
      const now = clock();
      await db.transaction(async (tx) => {
        // Spent here, atomically: of two concurrent resets with one token, one wins.
        const [used] = await tx.update(passwordResetTokens).set({ usedAt: now }).where(usable(now)).returning();
        if (!used) throw IdentityErrors.invalidResetToken();
        await tx
          .update(users)
          .set({ passwordHash, mustChangePassword: false, updatedAt: now })
          .where(eq(users.id, used.userId));
        await revokeAllForUser(tx, used.userId);
      });
    },
  };
}
export type AuthUseCases = ReturnType<typeof createAuthUseCases>;
