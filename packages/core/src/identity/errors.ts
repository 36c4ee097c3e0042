import { DomainError } from '../shared/errors';

/** The identity module's failures. */
export const IdentityErrors = {
  emailTaken: () => new DomainError('conflict', 'identity.email_taken', 'a user with this email already exists'),
  invalidCredentials: () =>
    new DomainError('unauthenticated', 'identity.invalid_credentials', 'invalid email or password'),
  accountDisabled: () => new DomainError('forbidden', 'identity.account_disabled', 'account is deactivated'),
  invalidRefreshToken: () =>
    new DomainError('unauthenticated', 'identity.invalid_refresh_token', 'invalid or expired refresh token'),
  refreshTokenReused: () =>
    new DomainError(
      'unauthenticated',
      'identity.refresh_token_reused',
      'refresh token was already used; the session has been revoked',
    ),
  wrongCurrentPassword: () =>
    new DomainError('invalid', 'identity.wrong_current_password', 'current password is incorrect', [
      { field: 'current_password', message: 'current password is incorrect' },
    ]),
  invalidResetToken: () => new DomainError('invalid', 'identity.invalid_reset_token', 'invalid or expired reset token'),
  busy: () =>
    new DomainError('unavailable', 'identity.busy', 'too many sign-ins at once, try again shortly', undefined, 1),
  userNotFound: () => new DomainError('not_found', 'identity.user_not_found', 'user not found'),
  ownAccount: () => new DomainError('conflict', 'identity.own_account', 'Cannot modify own account'),
  apiKeyNotFound: () => new DomainError('not_found', 'identity.api_key_not_found', 'API key not found'),
  apiKeyRoleTooHigh: () =>
    new DomainError('forbidden', 'identity.api_key_role_too_high', 'a key cannot have a higher role than its creator'),
  apiKeyCreationForbidden: () =>
    new DomainError('forbidden', 'identity.api_key_creation_forbidden', 'requires the operator role'),
  apiKeyExpiryPast: () =>
    new DomainError('invalid', 'identity.api_key_expiry_past', 'expires_at must be in the future', [
      { field: 'expires_at', message: 'must be in the future' },
    ]),
  selfModification: (what: string) =>
    new DomainError('conflict', 'identity.self_modification', `you cannot ${what} your own account`),
};
