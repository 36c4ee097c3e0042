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
