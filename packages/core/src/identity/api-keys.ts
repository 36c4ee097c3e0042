import type { ApiKey, CreateApiKeyInput, CreatedApiKey, Role } from '@statuspage/contracts';
import { hashToken, randomAlphanumeric } from '../shared/crypto';
import { IdentityErrors } from './errors';
import type { IdentityContext } from './ports';
import {
  API_KEY_ID_LENGTH,
  API_KEY_LAST_USED_RESOLUTION_SECONDS,
  API_KEY_SECRET_LENGTH,
  after,
  apiKeyAuthority,
  apiKeyDisplayPrefix,
  formatApiKey,
  keyExpiryAcceptable,
  lastUseDue,
  managesAllKeys,
  mayCreateKeys,
  newKeyExpiry,
  roleWithin,
} from './rules';
import { findApiKey, findApiKeyBySecret, insertApiKey, revokeApiKeyRow, selectApiKeys, touchApiKey } from './store';
import { type SessionUser, toApiKeyDto, toSessionUserAttributes } from './views';

// API keys: bearer credentials for scripts. The secret is shown once and kept only as its
// SHA-256 (it is 190 random bits, so a slow password hash adds nothing). Admins see and
// revoke every key; operators their own.

/** Who is asking: the account, the role the request acts with (a key's: the key's) and the key, if one. */
export interface KeyCaller {
  id: string;
  role: Role;
  /** The API key the request was made with; null or absent for a signed-in person. */
  apiKeyId?: string | null | undefined;
}

/** A key presented as a bearer token, resolved: its owner acting with the key's role. */
export interface AuthenticatedKey {
  user: SessionUser;
  apiKeyId: string;
  /** When the key stops working (null: never). */
  expiresAt: Date | null;
}

/**
 * Creates a key owned by the caller, of at most the caller's role and, when a key creates it,
 * expiring no later than that key; the answer is the only time the secret is shown.
 */
export async function createApiKey(
  ctx: IdentityContext,
  caller: KeyCaller,
  input: CreateApiKeyInput,
): Promise<CreatedApiKey> {
  if (!mayCreateKeys(caller.role)) throw IdentityErrors.apiKeyCreationForbidden();
  if (!roleWithin(input.role, caller.role)) throw IdentityErrors.apiKeyRoleTooHigh();
  const now = ctx.clock();
  const requested = input.expires_at ? new Date(input.expires_at) : null;
  if (!keyExpiryAcceptable(requested, now)) throw IdentityErrors.apiKeyExpiryPast();
  const creatorKey = caller.apiKeyId ? await findApiKey(ctx.db, caller.apiKeyId) : undefined;
  const expiresAt = newKeyExpiry(requested, creatorKey?.key.expiresAt);
  const secret = formatApiKey(randomAlphanumeric(API_KEY_ID_LENGTH), randomAlphanumeric(API_KEY_SECRET_LENGTH));
  const key = await ctx.db.transaction((tx) =>
    insertApiKey(tx, {
      userId: caller.id,
      name: input.name,
      role: input.role,
      prefix: apiKeyDisplayPrefix(secret),
      secretHash: hashToken(secret),
      expiresAt,
      createdAt: now,
    }),
  );
  const found = await findApiKey(ctx.db, key.id);
  if (!found) throw IdentityErrors.apiKeyNotFound();
  return { ...toApiKeyDto(found), secret };
}

/** The keys that are not revoked: every key for an admin, the caller's own for others; newest first. */
export async function listApiKeys(ctx: IdentityContext, caller: KeyCaller): Promise<ApiKey[]> {
  const rows = await selectApiKeys(ctx.db, { ownerId: managesAllKeys(caller.role) ? undefined : caller.id });
  return rows.map(toApiKeyDto);
}

/** One key the caller may see (another's key is "not found" to a non-admin). */
export async function getApiKey(ctx: IdentityContext, caller: KeyCaller, id: string): Promise<ApiKey> {
  const row = await findApiKey(ctx.db, id);
  if (!row || (!managesAllKeys(caller.role) && row.key.userId !== caller.id)) throw IdentityErrors.apiKeyNotFound();
  return toApiKeyDto(row);
}

/** Revokes a key at once (admins: any key; others: their own); a revoked key is not found again. */
export async function revokeApiKey(ctx: IdentityContext, caller: KeyCaller, id: string): Promise<void> {
  const ownerId = managesAllKeys(caller.role) ? undefined : caller.id;
  const revoked = await ctx.db.transaction((tx) => revokeApiKeyRow(tx, id, ctx.clock(), ownerId));
  if (!revoked) throw IdentityErrors.apiKeyNotFound();
}

/**
 * Resolves a presented key, by its SHA-256 (`hashToken`), to its owner acting with the lower of
 * the key's role and the owner's current role; null when unknown, revoked, expired or the owner
 * is deactivated. Records the use at most once a minute.
 */
export async function authenticateApiKey(ctx: IdentityContext, secretHash: string): Promise<AuthenticatedKey | null> {
  const found = await findApiKeyBySecret(ctx.db, secretHash);
  if (!found) return null;
  const now = ctx.clock();
  const role = apiKeyAuthority(found.key, found.owner, now);
  if (!role) return null;
  if (lastUseDue(found.key.lastUsedAt, now)) {
    // In a transaction like every write of an audited table (bookkeeping: the audit log skips it).
    await ctx.db.transaction((tx) =>
      touchApiKey(tx, found.key.id, now, after(now, -API_KEY_LAST_USED_RESOLUTION_SECONDS)),
    );
  }
  return {
    user: { id: found.owner.id, ...toSessionUserAttributes(found.owner), role },
    apiKeyId: found.key.id,
    expiresAt: found.key.expiresAt,
  };
}
