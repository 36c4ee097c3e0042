import type { OutboxPayload } from '@statuspage/contracts';
import type { Database } from '@statuspage/db';
import type { Clock } from '../shared/clock';
import type { AuthCache } from './auth-cache';
import type { IdentitySettings } from './rules';
import type { SessionManager } from './session-manager';

export interface IdentityConfig {
  /** Lifetime of an access token (a lucia session, sliding). */
  accessTtlSeconds: number;
  /** Lifetime of a refresh token; each use rotates it. */
  refreshTtlSeconds: number;
  /** Lifetime of a password-reset token (SPEC: 1 hour). */
  resetTtlSeconds: number;
  /** At most one reset e-mail per user in this window (SPEC: 5 minutes). */
  resetCooldownSeconds: number;
  /** Longest life of one access token however often it is used (default 24 h; a refresh starts a new one). */
  sessionMaxAgeSeconds?: number | undefined;
  /** Longest life of a refresh family from its login however often it rotates (default 90 days). */
  familyMaxAgeSeconds?: number | undefined;
  /** How long a rotated refresh token still rotates, for concurrent refreshes (default 30 s). */
  refreshGraceSeconds?: number | undefined;
  /**
   * How long an authenticated access token or API key is trusted without asking the database again
   * (default 0: every request asks). Identity writes of the same process take effect at once.
   */
  authCacheTtlSeconds?: number | undefined;
}

/** What other modules do for a new account, in its transaction (notifications: the default e-mail channel). */
export type AccountCreatedHook = (tx: Database, user: { id: string; email: string }) => Promise<void>;

/** The password-reset e-mail: who gets it, the single-use token and when it ends. */
export type PasswordResetMessage = OutboxPayload<'email.password_reset'>;

/**
 * What the identity module asks of the notifications side, inside the
 * transaction of its write. Declared here (by its consumer); createCore wires it.
 */
export interface IdentityNotifier {
  /** Queues the password-reset e-mail (a direct message, not an event notification). */
  passwordResetRequested(tx: Database, message: PasswordResetMessage): Promise<void>;
}

/** Everything the identity use-cases are given by createCore. */
export interface IdentityDeps {
  db: Database;
  clock: Clock;
  config: IdentityConfig;
  /** Runs in the transaction that creates an account (registration or admin creation). */
  onAccountCreated?: AccountCreatedHook | undefined;
  notifier: IdentityNotifier;
}

/** What each use-case takes first: the deps with the settings' defaults applied and the lucia sessions. */
export interface IdentityContext extends Omit<IdentityDeps, 'config'> {
  settings: IdentitySettings;
  sessions: SessionManager;
  /** Recently authenticated credentials (auth-cache.ts); emptied by every identity write. */
  authCache: AuthCache;
}
