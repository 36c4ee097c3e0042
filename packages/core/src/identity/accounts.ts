import type { Role, User } from '@statuspage/contracts';
import { type Database, users } from '@statuspage/db';
import { isUniqueViolation } from '../shared/pg-errors';
import { IdentityErrors } from './errors';
import { hashPassword } from './passwords';
import { toUserDto } from './user-dto';

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
export async function createAccount(db: Database, account: NewAccount): Promise<User> {
  const passwordHash = await hashPassword(account.password);
  try {
    const [row] = await db
      .insert(users)
      .values({
        email: account.email,
        passwordHash,
        firstName: account.firstName ?? '',
        lastName: account.lastName ?? '',
        role: account.role,
        mustChangePassword: account.mustChangePassword,
      })
      .returning();
    if (!row) throw new Error('insert returned no row');
    return toUserDto(row);
  } catch (error) {
    if (isUniqueViolation(error)) throw IdentityErrors.emailTaken();
    throw error;
  }
}
