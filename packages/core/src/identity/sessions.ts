import { randomUUID } from 'node:crypto';
import type { LoginInput, TokenPair, User } from '@statuspage/contracts';
import { hashToken } from '../shared/crypto';
import { authenticateApiKey } from './api-keys';
import { IdentityErrors } from './errors';
import { verifyPassword } from './passwords';
import type { IdentityContext } from './ports';
import { familyEnd, isApiKeyFormat, newFamilyEnd, refreshDecision } from './rules';
import {
  deleteFamilySessions,
  findRefreshToken,
  findSession,
  findUserByEmail,
  findUserById,
  markRefreshTokenRotated,
} from './store';
import { issueTokens, revokeFamily } from './tokens';
import { type SessionUser, toUserDto, type UserRow } from './views';

/** What a bearer token or access cookie resolves to: a sign-in session or an API key, never both. */
export interface AuthenticatedSession {
  /** The account; for a key, with the role the key acts with (never more than its owner's). */
  user: SessionUser;
  /** The lucia session of an access token; null for an API key. */
  sessionId: string | null;
  /** The API key presented; null for an access token. */
  apiKeyId: string | null;
  /** Lucia extended the session: the access cookie should be set again. */
  fresh: boolean;
}

type RefreshOutcome = { ok: true; user: UserRow; tokens: TokenPair } | { ok: false; error: Error };

/** Checks the credentials and opens a session family. Deactivated accounts fail after the hash check. */
export async function login(ctx: IdentityContext, input: LoginInput): Promise<{ user: User; tokens: TokenPair }> {
  const row = await findUserByEmail(ctx.db, input.email);
  const ok = await verifyPassword(row?.passwordHash, input.password);
  if (!row || !ok) throw IdentityErrors.invalidCredentials();
  if (!row.isActive) throw IdentityErrors.accountDisabled();
  const tokens = await issueTokens(ctx, ctx.db, row.id, randomUUID(), newFamilyEnd(ctx.clock(), ctx.settings));
  return { user: toUserDto(row), tokens };
}

/**
 * Rotates a refresh token: the presented one is spent and a new pair is
 * issued in the same family. A token spent less than the grace window ago
 * rotates again (two tabs refreshing at once both stay signed in); spent
 * longer ago it revokes the family (token theft). Nothing outlives the
 * family's absolute end.
 */
export async function refresh(ctx: IdentityContext, refreshToken: string): Promise<{ user: User; tokens: TokenPair }> {
  const tokenHash = hashToken(refreshToken);
  // The row lock serialises refreshes of one token: the second sees the first one's rotation.
  const outcome = await ctx.db.transaction(async (tx): Promise<RefreshOutcome> => {
    const now = ctx.clock();
    const known = await findRefreshToken(tx, tokenHash, true);
    if (!known) return { ok: false, error: IdentityErrors.invalidRefreshToken() };
    const endsAt = familyEnd(known, ctx.settings.familyMaxAgeSeconds);
    const owner = await findUserById(tx, known.userId);
    const decision = refreshDecision(known, endsAt, owner, now, ctx.settings.refreshGraceSeconds);
    if (!owner || decision === 'invalid') return { ok: false, error: IdentityErrors.invalidRefreshToken() };
    switch (decision) {
      case 'disabled':
        // Deactivation revokes every token; a genuine one presented afterwards is told why (403), as login is.
        await revokeFamily(ctx, tx, known.familyId);
        return { ok: false, error: IdentityErrors.accountDisabled() };
      case 'reused':
        await revokeFamily(ctx, tx, known.familyId);
        return { ok: false, error: IdentityErrors.refreshTokenReused() };
      case 'concurrent':
        // The other refresh of a concurrent pair: a pair of its own, the first one's left alone.
        return { ok: true, user: owner, tokens: await issueTokens(ctx, tx, owner.id, known.familyId, endsAt) };
      case 'rotate':
        await markRefreshTokenRotated(tx, known.id, now);
        // The family's previous access token ends with the rotation.
        await deleteFamilySessions(tx, known.familyId);
        return { ok: true, user: owner, tokens: await issueTokens(ctx, tx, owner.id, known.familyId, endsAt) };
    }
  });
  if (!outcome.ok) throw outcome.error;
  return { user: toUserDto(outcome.user), tokens: outcome.tokens };
}

/** Ends the session of the access token and the family of the refresh token, whichever are given. */
export async function logout(
  ctx: IdentityContext,
  opts: { sessionId?: string | undefined; refreshToken?: string | undefined },
) {
  if (opts.sessionId) {
    const session = await findSession(ctx.db, opts.sessionId);
    if (session) await revokeFamily(ctx, ctx.db, session.familyId);
  }
  if (opts.refreshToken) {
    const known = await findRefreshToken(ctx.db, hashToken(opts.refreshToken));
    if (known) await revokeFamily(ctx, ctx.db, known.familyId);
  }
}

/**
 * Resolves a bearer credential to its user: an API key (by its form, `isApiKeyFormat`) or
 * an access token; null when unknown, expired, revoked or deactivated.
 */
export async function authenticate(ctx: IdentityContext, accessToken: string): Promise<AuthenticatedSession | null> {
  const cache = ctx.authCache;
  // Sessions and keys are stored by this hash; it is the cache's key too.
  const key = hashToken(accessToken);
  const startedIn = cache.generation();
  if (cache.enabled) {
    const known = cache.get(key, ctx.clock().getTime());
    if (known) return known;
  }
  if (isApiKeyFormat(accessToken)) {
    const found = await authenticateApiKey(ctx, key);
    if (!found) return null;
    const session = { user: found.user, sessionId: null, apiKeyId: found.apiKeyId, fresh: false };
    if (cache.enabled) cache.set(key, session, found.expiresAt, ctx.clock().getTime(), startedIn);
    return session;
  }
  const { session, user } = await ctx.sessions.validateSession(key);
  if (!session || !user) return null;
  const sessionUser = user as unknown as SessionUser;
  if (!sessionUser.isActive) return null;
  const authenticated = { user: sessionUser, sessionId: session.id, apiKeyId: null, fresh: session.fresh };
  if (cache.enabled) cache.set(key, authenticated, session.expiresAt, ctx.clock().getTime(), startedIn);
  return authenticated;
}
