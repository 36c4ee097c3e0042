import type { Role, User } from '@statuspage/contracts';
import type { users } from '@statuspage/db';

export type UserRow = typeof users.$inferSelect;

/** The signed-in user as a request sees it (lucia's user attributes). */
export interface SessionUser {
  id: string;
  email: string;
  role: Role;
  isActive: boolean;
  mustChangePassword: boolean;
}

/** The wire shape of a user row (never includes the password hash). */
export function toUserDto(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    first_name: row.firstName,
    last_name: row.lastName,
    role: row.role,
    is_active: row.isActive,
    must_change_password: row.mustChangePassword,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/** The attributes lucia keeps of a user row (what `SessionUser` holds besides the id). */
export function toSessionUserAttributes(row: UserRow): Omit<SessionUser, 'id'> {
  return {
    email: row.email,
    role: row.role,
    isActive: row.isActive,
    mustChangePassword: row.mustChangePassword,
  };
}
