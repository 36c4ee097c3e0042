// The identity module: accounts, sign-in sessions (lucia) with refresh-token families, password resets, user admin.
import type {
  AdminCreateUserInput,
  AdminUpdateUserInput,
  CreateApiKeyInput,
  ListUsersInput,
  LoginInput,
  RegisterInput,
  UpdateProfileInput,
  User,
} from '@statuspage/contracts';
import { register } from './accounts';
import { createApiKey, getApiKey, type KeyCaller, listApiKeys, revokeApiKey } from './api-keys';
import { createAuthCache } from './auth-cache';
import { forgotPassword, resetPassword } from './password-reset';
import type { IdentityContext, IdentityDeps } from './ports';
import { changePassword, me, updateProfile } from './profile';
import { identitySettings } from './rules';
import { createSessionManager } from './session-manager';
import { authenticate, login, logout, refresh } from './sessions';
import { createUser, getUser, listUsers, resetPasswordByAdmin, updateUserByAdmin } from './users';

export type { KeyCaller } from './api-keys';
export { IdentityErrors } from './errors';
export { identityForNotifications } from './notification-accounts';
export {
  configurePasswordWork,
  createPasswordWork,
  defaultPasswordWorkSettings,
  hashPassword,
  type PasswordWork,
  type PasswordWorkSettings,
  type PasswordWorkStats,
  passwordWork,
  verifyPassword,
} from './passwords';
export type {
  AccountCreatedHook,
  IdentityConfig,
  IdentityDeps,
  IdentityNotifier,
  PasswordResetMessage,
} from './ports';
export { type IdentitySettings, identitySettings, isApiKeyFormat } from './rules';
export type { AuthenticatedSession } from './sessions';
export type { SessionUser } from './views';

/**
 * The identity use-cases: `auth` (the signed-in user's own account and
 * sessions) and `users` (admin operations; users are never deleted, only deactivated).
 */
export function createIdentityUseCases(deps: IdentityDeps) {
  const settings = identitySettings(deps.config);
  const ctx: IdentityContext = {
    db: deps.db,
    clock: deps.clock,
    onAccountCreated: deps.onAccountCreated,
    notifier: deps.notifier,
    settings,
    sessions: createSessionManager(deps.db, settings.accessTtlSeconds, settings.sessionMaxAgeSeconds),
    authCache: createAuthCache(deps.config.authCacheTtlSeconds ?? 0),
  };
  /** A use-case that writes identity data: the authentication cache is emptied once it is done, failed or not. */
  const writing =
    <A extends unknown[], R>(useCase: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await useCase(...args);
      } finally {
        ctx.authCache.invalidate();
      }
    };
  const auth = {
    register: writing((input: RegisterInput): Promise<User> => register(ctx, input)),
    login: writing((input: LoginInput) => login(ctx, input)),
    refresh: writing((refreshToken: string) => refresh(ctx, refreshToken)),
    logout: writing((opts: Parameters<typeof logout>[1]) => logout(ctx, opts)),
    authenticate: (accessToken: string) => authenticate(ctx, accessToken),
    me: (userId: string) => me(ctx, userId),
    updateProfile: writing((userId: string, input: UpdateProfileInput) => updateProfile(ctx, userId, input)),
    changePassword: writing((userId: string, currentPassword: string, newPassword: string) =>
      changePassword(ctx, userId, currentPassword, newPassword),
    ),
    forgotPassword: writing((email: string) => forgotPassword(ctx, email)),
    resetPassword: writing((token: string, newPassword: string) => resetPassword(ctx, token, newPassword)),
  };
  const users = {
    list: (input: ListUsersInput) => listUsers(ctx, input),
    create: writing((input: AdminCreateUserInput) => createUser(ctx, input)),
    get: (id: string) => getUser(ctx, id),
    update: writing((actorId: string, input: AdminUpdateUserInput) => updateUserByAdmin(ctx, actorId, input)),
    resetPassword: writing((actorId: string, id: string, newPassword: string) =>
      resetPasswordByAdmin(ctx, actorId, id, newPassword),
    ),
  };
  const apiKeys = {
    create: writing((caller: KeyCaller, input: CreateApiKeyInput) => createApiKey(ctx, caller, input)),
    list: (caller: KeyCaller) => listApiKeys(ctx, caller),
    get: (caller: KeyCaller, id: string) => getApiKey(ctx, caller, id),
    revoke: writing((caller: KeyCaller, id: string) => revokeApiKey(ctx, caller, id)),
  };
  return { auth, users, apiKeys };
}
export type IdentityUseCases = ReturnType<typeof createIdentityUseCases>;
export type AuthUseCases = IdentityUseCases['auth'];
export type UserAdminUseCases = IdentityUseCases['users'];
export type ApiKeyUseCases = IdentityUseCases['apiKeys'];
