import type { TokenPair } from '@statuspage/contracts';
import type { Database } from '@statuspage/db';
import { generateToken, hashToken } from '../shared/crypto';
import type { IdentityContext } from './ports';
import { pairExpiries } from './rules';
import {
  deleteFamilySessions,
  deleteUserSessions,
  insertRefreshToken,
  insertSession,
  revokeFamilyRefreshTokens,
  revokeUserRefreshTokens,
  spendUserResetTokens,
} from './store';

/**
 * A new access token (a lucia session row) and refresh token in a family;
 * neither outlives the family, and the session not its own absolute end.
 */
export async function issueTokens(
  ctx: IdentityContext,
  tx: Database,
  userId: string,
  familyId: string,
  familyEnd: Date,
): Promise<TokenPair> {
  const now = ctx.clock();
  const expiries = pairExpiries(now, familyEnd, ctx.settings);
  const accessToken = generateToken();
  await insertSession(tx, {
    id: hashToken(accessToken),
    userId,
    familyId,
    expiresAt: expiries.sessionExpiresAt,
    absoluteExpiresAt: expiries.sessionEnd,
    createdAt: now,
  });
  const refreshToken = generateToken();
  await insertRefreshToken(tx, {
    tokenHash: hashToken(refreshToken),
    userId,
    familyId,
    expiresAt: expiries.refreshExpiresAt,
    familyExpiresAt: familyEnd,
    createdAt: now,
  });
  return { access_token: accessToken, refresh_token: refreshToken, expires_in: ctx.settings.accessTtlSeconds };
}

/** Ends a refresh family: its refresh tokens are revoked and its sessions deleted. */
export async function revokeFamily(ctx: IdentityContext, tx: Database, familyId: string) {
  await revokeFamilyRefreshTokens(tx, familyId, ctx.clock());
  await deleteFamilySessions(tx, familyId);
}

/**
 * Ends every session, refresh token and unused reset link of a user
 * (deactivation, password change or reset): a new password makes the old links worthless.
 */
export async function revokeAllForUser(ctx: IdentityContext, tx: Database, userId: string) {
  await spendUserResetTokens(tx, userId, ctx.clock());
  await revokeUserRefreshTokens(tx, userId, ctx.clock());
  await deleteUserSessions(tx, userId);
}
