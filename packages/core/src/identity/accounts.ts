import type { RegisterInput, Role, User } from '@statuspage/contracts';
import { isUniqueViolation } from '../shared/pg-errors';
import { IdentityErrors } from './errors';
import { hashPassword } from './passwords';
import type { IdentityContext } from './ports';
import { findUserById, insertUser } from './store';
import { toUserDto } from './views';

export interface NewAccount {
  email: string;
  password: string;
  firstName?: string | undefined;
  lastName?: string | undefined;
  role: Role;
  mustChangePassword: boolean;
}

/**
 * Creates an account (registration and admin creation both come here, so
 * what every new account gets is decided once). Duplicate e-mail in any case → conflict.
 */
export async function createAccount(ctx: IdentityContext, account: NewAccount): Promise<User> {
  const passwordHash = await hashPassword(account.password);
  try {
    return await ctx.db.transaction(async (tx) => {
      const row = await insertUser(tx, {
        email: account.email,
        passwordHash,
        firstName: account.firstName ?? '',
        lastName: account.lastName ?? '',
        role: account.role,
        mustChangePassword: account.mustChangePassword,
      });
      await ctx.onAccountCreated?.(tx, { id: row.id, email: row.email });
      return toUserDto(row);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw IdentityErrors.emailTaken();
    throw error;
  }
}

/** Registers a `user` account. Duplicate e-mail (any case) → conflict. */
export function register(ctx: IdentityContext, input: RegisterInput): Promise<User> {
  return createAccount(ctx, {
    email: input.email,
    password: input.password,
    firstName: input.first_name,
    lastName: input.last_name,
    role: 'user',
    mustChangePassword: false,
  });
}

/** The user row with this id; not found otherwise. */
export async function findUser(ctx: IdentityContext, id: string) {
  const row = await findUserById(ctx.db, id);
  if (!row) throw IdentityErrors.userNotFound();
  return row;
}
