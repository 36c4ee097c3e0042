import type { AdminCreateUserInput, AdminUpdateUserInput, ListUsersInput, User } from '@statuspage/contracts';
import { type Database, users } from '@statuspage/db';
import { asc, count, eq } from 'drizzle-orm';
import type { Clock } from '../shared/clock';
import { changedColumns } from '../shared/patch';
import { type AccountCreatedHook, createAccount } from './accounts';
import { IdentityErrors } from './errors';
import { hashPassword } from './passwords';
import { toUserDto } from './user-dto';

export interface UserAdminDeps {
  db: Database;
  clock: Clock;
  /** Runs in the transaction that creates an account. */
  onAccountCreated?: AccountCreatedHook | undefined;
  /** Ends every session of a user (from the auth use-cases). */
  revokeAllForUser(tx: Database, userId: string): Promise<void>;
}

/** Admin operations on accounts. Users are never deleted, only deactivated. */
export function createUserAdminUseCases(deps: UserAdminDeps) {
  const { db, clock } = deps;

  async function findUser(id: string) {
    const [row] = await db.select().from(users).where(eq(users.id, id));
    if (!row) throw IdentityErrors.userNotFound();
    return row;
  }

  return {
    /** Lists users, optionally of one role, oldest first. */
    async list(input: ListUsersInput) {
      const where = input.role ? eq(users.role, input.role) : undefined;
      // One snapshot for the page and the total, so a concurrent sign-up cannot make them disagree.
      const [rows, totals] = await db.transaction(
        async (tx) => [
          await tx
            .select()
            .from(users)
            .where(where)
            .orderBy(asc(users.createdAt), asc(users.id))
            .limit(input.limit)
            .offset(input.offset),
          await tx.select({ total: count() }).from(users).where(where),
        ],
        { isolationLevel: 'repeatable read', accessMode: 'read only' },
      );
      return { users: rows.map(toUserDto), total: totals[0]?.total ?? 0, limit: input.limit, offset: input.offset };
    },

    /** Creates an account that must change its password at first sign-in. */
    async create(input: AdminCreateUserInput): Promise<User> {
      return createAccount(
        db,
        {
          email: input.email,
          password: input.password,
          firstName: input.first_name,
          lastName: input.last_name,
          role: input.role,
          mustChangePassword: true,
        },
        deps.onAccountCreated,
      );
    },

    /** One user by id. */
    async get(id: string): Promise<User> {
      return toUserDto(await findUser(id));
    },

    /**
     * Updates role, active flag or names. An admin cannot modify their own
     * account here (the contract's 409; their names go through PATCH /me);
     * deactivation ends the user's sessions.
     */
    async update(actorId: string, input: AdminUpdateUserInput): Promise<User> {
      const current = await findUser(input.id);
      if (current.id === actorId) throw IdentityErrors.ownAccount();
      const changed = changedColumns(current, {
        role: input.role,
        isActive: input.is_active,
        firstName: input.first_name,
        lastName: input.last_name,
      });
      if (Object.keys(changed).length === 0) return toUserDto(current);
      return db.transaction(async (tx) => {
        const [row] = await tx
          .update(users)
          .set({ ...changed, updatedAt: clock() })
          .where(eq(users.id, input.id))
          .returning();
        if (!row) throw IdentityErrors.userNotFound();
        if (changed.isActive === false) await deps.revokeAllForUser(tx, row.id);
        return toUserDto(row);
      });
    },

    /** Sets a new password chosen by an admin; the user must change it and is signed out everywhere. */
    async resetPassword(actorId: string, id: string, newPassword: string) {
      const user = await findUser(id);
      if (user.id === actorId) throw IdentityErrors.selfModification('reset the password of');
      const passwordHash = await hashPassword(newPassword);
      await db.transaction(async (tx) => {
        await tx
          .update(users)
          .set({ passwordHash, mustChangePassword: true, updatedAt: clock() })
          .where(eq(users.id, id));
        await deps.revokeAllForUser(tx, id);
      });
    },
  };
}
export type UserAdminUseCases = ReturnType<typeof createUserAdminUseCases>;
