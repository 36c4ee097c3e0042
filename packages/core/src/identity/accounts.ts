import type { Role, User } from '@statuspage/contracts';
import { type Database, users } from '@statuspage/db';
import { isUniqueViolation } from '../shared/pg-errors';
import { IdentityErrors } from './errors';
import { hashPassword } from './passwords';
import { toUserDto } from './user-dto';

/** What other modules do for a new account, in its transaction (notifications: the default e-mail channel). */
export type AccountCreatedHook = (tx: Database, user: { id: string; email: string }) => Promise<void>;

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
export async function createAccount(db: Database, account: NewAccount, onCreated?: AccountCreatedHook): Promise<User> {
  const passwordHash = await hashPassword(account.password);
  try {
    return await db.transaction(async (tx) => {
      const [row] = await tx
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
      await onCreated?.(tx, { id: row.id, email: row.email });
      return toUserDto(row);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw IdentityErrors.emailTaken();
    throw error;
  }
}
