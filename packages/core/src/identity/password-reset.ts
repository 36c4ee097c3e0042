import { generateToken, hashToken } from '../shared/crypto';
import { IdentityErrors } from './errors';
import { hashPassword } from './passwords';
import type { IdentityContext } from './ports';
import { NO_USER_ID, resetCooldownStart, resetTokenExpiry } from './rules';
import {
  findUserByEmail,
  hasResetTokenSince,
  insertResetToken,
  isResetTokenUsable,
  lockUser,
  spendResetToken,
  updateUser,
} from './store';
import { revokeAllForUser } from './tokens';

/**
 * Starts a password reset: queues the reset e-mail (through the notifier) with a
 * single-use token. Silent for unknown or deactivated accounts and within
 * the cooldown, so the answer never tells whether an account exists; an
 * unknown address runs the same transaction and queries as a known one
 * (on an id that matches nothing), so the time does not tell either, bar
 * the two inserts of an e-mail actually sent.
 */
export async function forgotPassword(ctx: IdentityContext, email: string) {
  const found = await findUserByEmail(ctx.db, email);
  const user = found?.isActive ? found : undefined;
  const userId = user?.id ?? NO_USER_ID;
  const now = ctx.clock();
  const since = resetCooldownStart(now, ctx.settings);
  await ctx.db.transaction(async (tx) => {
    // Serialises concurrent requests for the same user, so the cooldown holds under races.
    await lockUser(tx, userId);
    const recent = await hasResetTokenSince(tx, userId, since);
    if (recent || !user) return;
    const token = generateToken();
    const expiresAt = resetTokenExpiry(now, ctx.settings);
    await insertResetToken(tx, { tokenHash: hashToken(token), userId: user.id, expiresAt, createdAt: now });
    await ctx.notifier.passwordResetRequested(tx, {
      user_id: user.id,
      email: user.email,
      first_name: user.firstName,
      token,
      expires_at: expiresAt.toISOString(),
    });
  });
}

/**
 * Sets a new password with a reset token (single use, not expired); ends
 * every session and the user's other reset links. The token is
 * looked up before the new password is hashed: a wrong token costs a query,
 * not an argon2 hash.
 */
export async function resetPassword(ctx: IdentityContext, token: string, newPassword: string) {
  const tokenHash = hashToken(token);
  if (!(await isResetTokenUsable(ctx.db, tokenHash, ctx.clock()))) throw IdentityErrors.invalidResetToken();
  const passwordHash = await hashPassword(newPassword);
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    // Spent here, atomically: of two concurrent resets with one token, one wins.
    const used = await spendResetToken(tx, tokenHash, now);
    if (!used) throw IdentityErrors.invalidResetToken();
    await updateUser(tx, used.userId, { passwordHash, mustChangePassword: false, updatedAt: now });
    await revokeAllForUser(ctx, tx, used.userId);
  });
}
