import type { Database } from '@statuspage/db';
import { type Adapter, type DatabaseSession, type DatabaseUser, Lucia, TimeSpan } from 'lucia';
import { sessionExpiry } from './rules';
import {
  deleteExpiredSessions,
  deleteSession,
  deleteUserSessions,
  extendSession,
  findSessionAndUser,
  insertSession,
  type SessionRow,
  selectUserSessions,
} from './store';
import { type SessionUser, toSessionUserAttributes } from './views';

/**
 * Lucia's storage adapter over our tables (sessions carry a refresh family
 * id). Lucia sees a session expire at its sliding expiry or its absolute end,
 * whichever comes first, and its extensions stop at the latter.
 */
function storeAdapter(db: Database, maxAgeSeconds: number): Adapter {
  const toSession = (row: SessionRow): DatabaseSession => ({
    id: row.id,
    userId: row.userId,
    expiresAt: sessionExpiry(row, maxAgeSeconds),
    attributes: { familyId: row.familyId } as never,
  });
  return {
    async getSessionAndUser(sessionId) {
      const row = await findSessionAndUser(db, sessionId);
      if (!row) return [null, null];
      const user: DatabaseUser = { id: row.user.id, attributes: toSessionUserAttributes(row.user) as never };
      return [toSession(row.session), user];
    },
    async getUserSessions(userId) {
      const rows = await selectUserSessions(db, userId);
      return rows.map(toSession);
    },
    async setSession(session) {
      const attributes = session.attributes as unknown as { familyId: string };
      await insertSession(db, {
        id: session.id,
        userId: session.userId,
        expiresAt: session.expiresAt,
        familyId: attributes.familyId,
      });
    },
    async updateSessionExpiration(sessionId, expiresAt) {
      await extendSession(db, sessionId, expiresAt, maxAgeSeconds);
    },
    async deleteSession(sessionId) {
      await deleteSession(db, sessionId);
    },
    async deleteUserSessions(userId) {
      await deleteUserSessions(db, userId);
    },
    async deleteExpiredSessions() {
      await deleteExpiredSessions(db, new Date());
    },
  };
}

/** Creates the lucia instance: sessions with sliding expiry over `accessTtlSeconds`, never past their absolute end. */
export function createSessionManager(db: Database, accessTtlSeconds: number, maxAgeSeconds: number) {
  return new Lucia(storeAdapter(db, maxAgeSeconds), {
    sessionExpiresIn: new TimeSpan(accessTtlSeconds, 's'),
    getUserAttributes: (attributes) => attributes as unknown as Omit<SessionUser, 'id'>,
    getSessionAttributes: (attributes) => attributes as unknown as { familyId: string },
  });
}
export type SessionManager = ReturnType<typeof createSessionManager>;
