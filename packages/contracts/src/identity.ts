import { z } from 'zod';
import { Email, envelope, Password, queryInt, Timestamp, Uuid } from './common';
import { Role } from './enums';

const Name = z.string().max(100);

export const User = z.object({
  id: Uuid,
  email: z.string(),
  first_name: z.string(),
  last_name: z.string(),
  role: Role,
  is_active: z.boolean(),
  must_change_password: z.boolean(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type User = z.infer<typeof User>;
export const UserResponse = envelope(User);

export const RegisterInput = z.strictObject({
  email: Email,
  password: Password,
  first_name: Name.optional(),
  last_name: Name.optional(),
});
export type RegisterInput = z.infer<typeof RegisterInput>;

export const LoginInput = z.strictObject({
  email: Email,
  password: z.string().min(1).max(256),
});
export type LoginInput = z.infer<typeof LoginInput>;

export const TokenPair = z.object({
  access_token: z.string(),
  refresh_token: z.string(),
  expires_in: z.number().int(),
});
export type TokenPair = z.infer<typeof TokenPair>;

/** Login answers the user and, for API clients, the tokens (also set as cookies). */
export const LoginResponse = envelope(
  z.object({
    user: User,
    access_token: z.string(),
    refresh_token: z.string(),
    expires_in: z.number().int(),
  }),
);

/** Refresh and logout read the refresh token from the body or from the cookie. */
export const RefreshInput = z
  .strictObject({
    refresh_token: z.string().min(1).max(512).optional(),
  })
  .optional();

export const ForgotPasswordInput = z.strictObject({ email: Email });
export const ResetPasswordInput = z.strictObject({
  token: z.string().min(1).max(512),
  new_password: Password,
});
export const MessageResponse = envelope(z.object({ message: z.string() }));

export const UpdateProfileInput = z.strictObject({
  first_name: Name.optional(),
  last_name: Name.optional(),
});
export type UpdateProfileInput = z.infer<typeof UpdateProfileInput>;

export const ChangePasswordInput = z.strictObject({
  current_password: z.string().min(1).max(256),
  new_password: Password,
});

// Query-string inputs ignore unknown parameters; bodies are strict.
export const ListUsersInput = z.object({
  role: Role.optional(),
  limit: queryInt({ min: 1, max: 100 }).default(20),
  offset: queryInt({ min: 0 }).default(0),
});
export type ListUsersInput = z.infer<typeof ListUsersInput>;

export const UsersListResponse = envelope(
  z.object({
    users: z.array(User),
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
  }),
);

export const AdminCreateUserInput = z.strictObject({
  email: Email,
  password: Password,
  first_name: Name.optional(),
  last_name: Name.optional(),
  role: Role,
});
export type AdminCreateUserInput = z.infer<typeof AdminCreateUserInput>;

export const UserIdInput = z.object({ id: Uuid });

export const AdminUpdateUserInput = z.strictObject({
  id: Uuid,
  role: Role.optional(),
  is_active: z.boolean().optional(),
  first_name: Name.optional(),
  last_name: Name.optional(),
});
export type AdminUpdateUserInput = z.infer<typeof AdminUpdateUserInput>;

export const AdminResetPasswordInput = z.strictObject({
  id: Uuid,
  new_password: Password,
});

// --- API keys

/**
 * The form of every API key: `sp_live_`, 8 letters or digits (the id part, shown in lists),
 * `_`, 32 letters or digits (the secret, ~190 bits). Secret scanners match it with
 * `API_KEY_PATTERN` (docs/api/09-keys.md); the server tells keys from access tokens by it.
 */
export const API_KEY_PATTERN = /\bsp_live_[0-9A-Za-z]{8}_[0-9A-Za-z]{32}\b/;

/** An API key as lists show it: never the secret, only its public prefix. */
export const ApiKey = z.object({
  id: Uuid,
  name: z.string(),
  role: Role,
  /** The key's public start (`sp_live_<id-part>`): enough to recognise it, useless to sign in with. */
  prefix: z.string(),
  owner_id: Uuid,
  owner_email: z.string(),
  created_at: Timestamp,
  last_used_at: Timestamp.nullable(),
  expires_at: Timestamp.nullable(),
});
export type ApiKey = z.infer<typeof ApiKey>;
export const ApiKeyResponse = envelope(ApiKey);
export const ApiKeysListResponse = envelope(z.array(ApiKey));

/** The answer of creating a key: the only time its secret is shown. */
export const CreatedApiKey = ApiKey.extend({ secret: z.string() });
export type CreatedApiKey = z.infer<typeof CreatedApiKey>;
export const CreatedApiKeyResponse = envelope(CreatedApiKey);

export const CreateApiKeyInput = z.strictObject({
  name: z.string().trim().min(1).max(100),
  role: Role,
  /** When the key stops working (must be in the future); absent or null: it never expires. */
  expires_at: Timestamp.nullable().optional(),
});
export type CreateApiKeyInput = z.infer<typeof CreateApiKeyInput>;

export const ApiKeyIdInput = z.object({ id: Uuid });
