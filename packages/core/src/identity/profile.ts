import type { UpdateProfileInput, User } from '@statuspage/contracts';
import { changedColumns } from '../shared/patch';
import { findUser } from './accounts';
import { IdentityErrors } from './errors';
import { hashPassword, verifyPassword } from './passwords';
import type { IdentityContext } from './ports';
import { updateUser } from './store';
import { revokeAllForUser } from './tokens';
import { toUserDto } from './views';

/** The signed-in user's profile. */
export async function me(ctx: IdentityContext, userId: string): Promise<User> {
  return toUserDto(await findUser(ctx, userId));
}

/** Updates the signed-in user's names. Changing nothing writes nothing. */
export async function updateProfile(ctx: IdentityContext, userId: string, input: UpdateProfileInput): Promise<User> {
  const current = await findUser(ctx, userId);
  const changed = changedColumns(current, { firstName: input.first_name, lastName: input.last_name });
  if (Object.keys(changed).length === 0) return toUserDto(current);
  const row = await ctx.db.transaction((tx) => updateUser(tx, userId, { ...changed, updatedAt: ctx.clock() }));
  if (!row) throw IdentityErrors.userNotFound();
  return toUserDto(row);
}

/** Changes the password after checking the current one; ends every session of the user. */
export async function changePassword(
  ctx: IdentityContext,
  userId: string,
  currentPassword: string,
  newPassword: string,
) {
  const user = await findUser(ctx, userId);
  if (!(await verifyPassword(user.passwordHash, currentPassword))) throw IdentityErrors.wrongCurrentPassword();
  const passwordHash = await hashPassword(newPassword);
  await ctx.db.transaction(async (tx) => {
    await updateUser(tx, userId, { passwordHash, mustChangePassword: false, updatedAt: ctx.clock() });
    await revokeAllForUser(ctx, tx, userId);
  });
}
