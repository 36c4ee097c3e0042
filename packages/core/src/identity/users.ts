import type { AdminCreateUserInput, AdminUpdateUserInput, ListUsersInput, User } from '@statuspage/contracts';
import { changedColumns } from '../shared/patch';
import { createAccount, findUser } from './accounts';
import { IdentityErrors } from './errors';
import { hashPassword } from './passwords';
import type { IdentityContext } from './ports';
import { isOwnAccount } from './rules';
import { revokeUserApiKeys, selectUsersPage, updateUser } from './store';
import { revokeAllForUser } from './tokens';
import { toUserDto } from './views';

// Admin operations on accounts. Users are never deleted, only deactivated.

/** Lists users, optionally of one role, oldest first. */
export async function listUsers(ctx: IdentityContext, input: ListUsersInput) {
  // One statement for the page and the total: a concurrent sign-up cannot make them disagree.
  const { rows, total } = await selectUsersPage(ctx.db, { role: input.role, limit: input.limit, offset: input.offset });
  return { users: rows.map(toUserDto), total, limit: input.limit, offset: input.offset };
}

/** Creates an account that must change its password at first sign-in. */
export function createUser(ctx: IdentityContext, input: AdminCreateUserInput): Promise<User> {
  return createAccount(ctx, {
    email: input.email,
    password: input.password,
    firstName: input.first_name,
    lastName: input.last_name,
    role: input.role,
    mustChangePassword: true,
  });
}

/** One user by id. */
export async function getUser(ctx: IdentityContext, id: string): Promise<User> {
  return toUserDto(await findUser(ctx, id));
}

/**
 * Updates role, active flag or names. An admin cannot modify their own
 * account here (the contract's 409; their names go through PATCH /me);
 * deactivation ends the user's sessions and revokes their API keys.
 */
export async function updateUserByAdmin(ctx: IdentityContext, actorId: string, input: AdminUpdateUserInput) {
  const current = await findUser(ctx, input.id);
  if (isOwnAccount(actorId, current.id)) throw IdentityErrors.ownAccount();
  const changed = changedColumns(current, {
    role: input.role,
    isActive: input.is_active,
    firstName: input.first_name,
    lastName: input.last_name,
  });
  if (Object.keys(changed).length === 0) return toUserDto(current);
  return ctx.db.transaction(async (tx) => {
    const row = await updateUser(tx, input.id, { ...changed, updatedAt: ctx.clock() });
    if (!row) throw IdentityErrors.userNotFound();
    if (changed.isActive === false) {
      await revokeAllForUser(ctx, tx, row.id);
      // Keys too, for good: reactivating an account does not bring its old keys back.
      await revokeUserApiKeys(tx, row.id, ctx.clock());
    }
    return toUserDto(row);
  });
}

/** Sets a new password chosen by an admin; the user must change it and is signed out everywhere. */
export async function resetPasswordByAdmin(ctx: IdentityContext, actorId: string, id: string, newPassword: string) {
  const user = await findUser(ctx, id);
  if (isOwnAccount(actorId, user.id)) throw IdentityErrors.selfModification('reset the password of');
  const passwordHash = await hashPassword(newPassword);
  await ctx.db.transaction(async (tx) => {
    await updateUser(tx, id, { passwordHash, mustChangePassword: true, updatedAt: ctx.clock() });
    await revokeAllForUser(ctx, tx, id);
  });
}
