import type { User } from '@statuspage/contracts';
import type { users } from '@statuspage/db';

/** The wire shape of a user row (never includes the password hash). */
export function toUserDto(row: typeof users.$inferSelect): User {
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
