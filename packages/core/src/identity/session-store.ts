import type { Role } from '@statuspage/contracts';
import { type Database, sessions, users } from '@statuspage/db';
import { eq, lte, sql } from 'drizzle-orm';
import { type Adapter, type DatabaseSession, type DatabaseUser, Lucia, TimeSpan } from 'lucia';

export interface SessionUser {
  id: string;
  email: string;
  role: Role;
  isActive: boolean;
  mustChangePassword: boolean;
}

/** The moment a session ends whatever its use (sessions from before the column: created_at + the maximum age). */
export function absoluteEnd(row: { absoluteExpiresAt: Date | null; createdAt: Date }, maxAgeSeconds: number) {
  return row.absoluteExpiresAt ?? new Date(row.createdAt.getTime() + maxAgeSeconds * 1000);
}

/**
 * Lucia's storage adapter over our drizzle tables (sessions carry a refresh
 * family id). Lucia sees a session expire at its sliding expiry or its
 * absolute end, whichever comes first, and its extensions stop at the latter.
 */
function drizzleAdapter(db: Database, maxAgeSeconds: number): Adapter {
  const toSession = (row: typeof sessions.$inferSelect): DatabaseSession => {
    const end = absoluteEnd(row, maxAgeSeconds);
    return {
      id: row.id,
      userId: row.userId,
      expiresAt: new Date(Math.min(row.expiresAt.getTime(), end.getTime())),
      attributes: { familyId: row.familyId } as never,
    };
  };
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
      const end = sql`coalesce(${sessions.absoluteExpiresAt}, ${sessions.createdAt} + make_interval(secs => ${maxAgeSeconds}))`;
      await db
        .update(sessions)
        .set({ expiresAt: sql`least(${expiresAt.toISOString()}::timestamptz, ${end})` })
        .where(eq(sessions.id, sessionId));
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

/** Creates the lucia instance: sessions with sliding expiry over `accessTtlSeconds`, never past their absolute end. */
export function createSessionManager(db: Database, accessTtlSeconds: number, maxAgeSeconds: number) {
  return new Lucia(drizzleAdapter(db, maxAgeSeconds), {
    sessionExpiresIn: new TimeSpan(accessTtlSeconds, 's'),
    getUserAttributes: (attributes) => attributes as unknown as Omit<SessionUser, 'id'>,
    getSessionAttributes: (attributes) => attributes as unknown as { familyId: string },
  });
}
export type SessionManager = ReturnType<typeof createSessionManager>;
