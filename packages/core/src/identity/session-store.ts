import type { Role } from '@statuspage/contracts';
import { type Database, sessions, users } from '@statuspage/db';
import { eq, lte } from 'drizzle-orm';
import { type Adapter, type DatabaseSession, type DatabaseUser, Lucia, TimeSpan } from 'lucia';

export interface SessionUser {
  id: string;
  email: string;
  role: Role;
  isActive: boolean;
  mustChangePassword: boolean;
}

/** Lucia's storage adapter over our drizzle tables (sessions carry a refresh family id). */
function drizzleAdapter(db: Database): Adapter {
  const toSession = (row: typeof sessions.$inferSelect): DatabaseSession => ({
    id: row.id,
    userId: row.userId,
    expiresAt: row.expiresAt,
    attributes: { familyId: row.familyId } as never,
  });
  return {
    async getSessionAndUser(sessionId) {
      const [row] = await db
        .select({ session: sessions, user: users })
        .from(sessions)
        .innerJoin(users, eq(users.id, sessions.userId))
        .where(eq(sessions.id, sessionId));
      if (!row) return [null, null];
      const user: DatabaseUser = {
        id: row.user.id,
        attributes: {
          email: row.user.email,
          role: row.user.role,
          isActive: row.user.isActive,
          mustChangePassword: row.user.mustChangePassword,
        } as never,
      };
      return [toSession(row.session), user];
    },
    async getUserSessions(userId) {
      const rows = await db.select().from(sessions).where(eq(sessions.userId, userId));
      return rows.map(toSession);
    },
    async setSession(session) {
      const attributes = session.attributes as unknown as { familyId: string };
      await db.insert(sessions).values({
        id: session.id,
        userId: session.userId,
        expiresAt: session.expiresAt,
        familyId: attributes.familyId,
      });
    },
    async updateSessionExpiration(sessionId, expiresAt) {
      await db.update(sessions).set({ expiresAt }).where(eq(sessions.id, sessionId));
    },
    async deleteSession(sessionId) {
      await db.delete(sessions).where(eq(sessions.id, sessionId));
    },
    async deleteUserSessions(userId) {
      await db.delete(sessions).where(eq(sessions.userId, userId));
    },
    async deleteExpiredSessions() {
      await db.delete(sessions).where(lte(sessions.expiresAt, new Date()));
    },
  };
}

/** Creates the lucia instance: sessions with sliding expiry over `accessTtlSeconds`. */
export function createSessionManager(db: Database, accessTtlSeconds: number) {
  return new Lucia(drizzleAdapter(db), {
    sessionExpiresIn: new TimeSpan(accessTtlSeconds, 's'),
    getUserAttributes: (attributes) => attributes as unknown as Omit<SessionUser, 'id'>,
    getSessionAttributes: (attributes) => attributes as unknown as { familyId: string },
  });
}
export type SessionManager = ReturnType<typeof createSessionManager>;
