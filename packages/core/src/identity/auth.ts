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

const byEmail = (email: string) => eq(sql`lower(${users.email})`, email.toLowerCase());

export function createAuthUseCases(deps: IdentityDeps) {
  const { db, clock, config } = deps;

  async function issueTokens(userId: string, familyId: string): Promise<TokenPair> {
    const accessToken = generateToken();
    await deps.sessions.createSession(userId, { familyId } as never, { sessionId: hashToken(accessToken) });
    const refreshToken = generateToken();
    await db.insert(refreshTokens).values({
      tokenHash: hashToken(refreshToken),
      userId,
      familyId,
      expiresAt: new Date(clock().getTime() + config.refreshTtlSeconds * 1000),
    });
    return { access_token: accessToken, refresh_token: refreshToken, expires_in: config.accessTtlSeconds };
  }

  async function revokeFamily(familyId: string) {
    await db
      .update(refreshTokens)
      .set({ revokedAt: clock() })
      .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
    await db.delete(sessions).where(eq(sessions.familyId, familyId));
  }

  /** Ends every session and refresh token of a user (deactivation, password change or reset). */
  async function revokeAllForUser(tx: Database, userId: string) {
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
      const tokens = await issueTokens(row.id, randomUUID());
      return { user: toUserDto(row), tokens };
    },

    /**
     * Rotates a refresh token: the presented one is spent and a new pair is
     * issued in the same family. A token that was already spent revokes the family.
     */
    async refresh(refreshToken: string): Promise<{ user: User; tokens: TokenPair }> {
      const tokenHash = hashToken(refreshToken);
      const now = clock();
      const [spent] = await db
        .update(refreshTokens)
        .set({ rotatedAt: now })
        .where(
          and(
            eq(refreshTokens.tokenHash, tokenHash),
            isNull(refreshTokens.rotatedAt),
            isNull(refreshTokens.revokedAt),
            gt(refreshTokens.expiresAt, now),
          ),
        )
        .returning();
      if (!spent) {
        const [known] = await db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash));
        if (known && known.expiresAt > now) {
          // Deactivation revokes every token; a genuine one presented afterwards is told why (403), as login is.
          const [owner] = await db.select({ isActive: users.isActive }).from(users).where(eq(users.id, known.userId));
          if (owner && !owner.isActive) throw IdentityErrors.accountDisabled();
        }
        if (known?.rotatedAt) {
          await revokeFamily(known.familyId);
          throw IdentityErrors.refreshTokenReused();
        }
        throw IdentityErrors.invalidRefreshToken();
      }
      const user = await findUser(spent.userId);
      if (!user.isActive) {
        await revokeFamily(spent.familyId);
        throw IdentityErrors.accountDisabled();
      }
      // The family's previous access token ends with the rotation.
      await db.delete(sessions).where(eq(sessions.familyId, spent.familyId));
      const tokens = await issueTokens(user.id, spent.familyId);
      return { user: toUserDto(user), tokens };
    },

    /** Ends the session of the access token and the family of the refresh token, whichever are given. */
    async logout(opts: { sessionId?: string | undefined; refreshToken?: string | undefined }) {
      if (opts.sessionId) {
        const [session] = await db.select().from(sessions).where(eq(sessions.id, opts.sessionId));
        if (session) await revokeFamily(session.familyId);
      }
      if (opts.refreshToken) {
        const [known] = await db
          .select()
          .from(refreshTokens)
          .where(eq(refreshTokens.tokenHash, hashToken(opts.refreshToken)));
        if (known) await revokeFamily(known.familyId);
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
     * the cooldown, so the answer never tells whether an account exists.
     */
    async forgotPassword(email: string) {
      const [user] = await db.select().from(users).where(byEmail(email));
      if (!user?.isActive) return;
      const now = clock();
      const since = new Date(now.getTime() - config.resetCooldownSeconds * 1000);
      await db.transaction(async (tx) => {
        // Serialises concurrent requests for the same user, so the cooldown holds under races.
        await tx.execute(sql`select 1 from ${users} where ${users.id} = ${user.id} for update`);
        const [recent] = await tx
          .select({ id: passwordResetTokens.id })
          .from(passwordResetTokens)
          .where(and(eq(passwordResetTokens.userId, user.id), gt(passwordResetTokens.createdAt, since)))
          .orderBy(desc(passwordResetTokens.createdAt))
          .limit(1);
        if (recent) return;
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

    /** Sets a new password with a reset token (single use, not expired); ends every session. */
    async resetPassword(token: string, newPassword: string) {
      const passwordHash = await hashPassword(newPassword);
      const now = clock();
      await db.transaction(async (tx) => {
        const [used] = await tx
          .update(passwordResetTokens)
          .set({ usedAt: now })
          .where(
            and(
              eq(passwordResetTokens.tokenHash, hashToken(token)),
              isNull(passwordResetTokens.usedAt),
              gt(passwordResetTokens.expiresAt, now),
            ),
          )
          .returning();
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
