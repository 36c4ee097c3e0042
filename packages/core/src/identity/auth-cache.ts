import type { AuthenticatedSession } from './sessions';

/**
 * Recently authenticated credentials (by the SHA-256 of the token or key), so that a client's
 * requests within `ttlSeconds` cost no session query. Every identity write of this process empties
 * it (logout, revocations, role and activation changes, passwords, keys: `createIdentityUseCases`
 * wraps them), and an entry never outlives the session's or key's expiry; a change made elsewhere
 * (another api replica, SQL by hand) is seen within `ttlSeconds`. A lookup that began before a
 * write is not kept (the generation moved). `ttlSeconds` 0: no cache.
 */
export function createAuthCache(ttlSeconds: number, maxEntries = 10_000) {
  const entries = new Map<string, { session: AuthenticatedSession; until: number }>();
  let generation = 0;
  return {
    enabled: ttlSeconds > 0,
    /** The generation a lookup starts in (pass it to `set`). */
    generation: () => generation,
    get(key: string, now: number): AuthenticatedSession | undefined {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.until <= now) {
        entries.delete(key);
        return undefined;
      }
      return entry.session;
    },
    /** Keeps a lookup's result until `expiresAt` at the latest, unless a write happened since it began. */
    set(key: string, session: AuthenticatedSession, expiresAt: Date | null, now: number, startedIn: number) {
      if (ttlSeconds <= 0 || startedIn !== generation) return;
      if (entries.size >= maxEntries) {
        const oldest = entries.keys().next().value;
        if (oldest !== undefined) entries.delete(oldest);
      }
      const until = Math.min(now + ttlSeconds * 1000, expiresAt?.getTime() ?? Number.POSITIVE_INFINITY);
      // A cached session is never "fresh": its extension (and the cookie refresh) happened on the lookup.
      entries.set(key, { session: { ...session, fresh: false }, until });
    },
    /** After an identity write: nothing cached before it is used again. */
    invalidate() {
      generation += 1;
      entries.clear();
    },
  };
}
export type AuthCache = ReturnType<typeof createAuthCache>;
