import type { ApiKey, Role, User } from '@statuspage/contracts';
import type { apiKeys, users } from '@statuspage/db';

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

/** The wire shape of a key (never its secret or its hash). */
export function toApiKeyDto(row: { key: typeof apiKeys.$inferSelect; ownerEmail: string }): ApiKey {
  const { key } = row;
  return {
    id: key.id,
    name: key.name,
    role: key.role,
    prefix: key.prefix,
    owner_id: key.userId,
    owner_email: row.ownerEmail,
    created_at: key.createdAt.toISOString(),
    last_used_at: key.lastUsedAt?.toISOString() ?? null,
    expires_at: key.expiresAt?.toISOString() ?? null,
  };
}
