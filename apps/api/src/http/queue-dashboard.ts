import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { channelTypes, queueNames } from '@statuspage/contracts';
import type { Core } from '@statuspage/core';
import type { RedisClient } from '@statuspage/platform';
import { Queue } from 'bullmq';
import { parseCookie } from 'cookie';
import express, { type ErrorRequestHandler, type RequestHandler, type Router } from 'express';
import helmet from 'helmet';
import { ACCESS_COOKIE } from './cookies';

/** Where the queue dashboard (bull-board) is mounted. */
export const QUEUE_DASHBOARD_PATH = '/admin/queues';

const errorBody = (message: string) => ({ error: { message } });

/**
 * True when the request has no Origin or one of this host. `Origin: null`
 * (sandboxed frames, some redirects) and anything unparsable are foreign.
 */
function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  if (!URL.canParse(origin)) return false;
  return new URL(origin).host === host;
}

/**
 * Admits admins only, by bearer token or the access cookie (the dashboard is a
 * browser page). Unsafe methods with the cookie are not CSRF-protected by a
 * token (bull-board's UI cannot send one): the access cookie is SameSite=Lax,
 * so other sites cannot send it with them, and a foreign Origin is refused.
 */
export function requireAdmin(core: Pick<Core, 'auth'>): RequestHandler {
  return async (req, res, next) => {
    try {
      const header = req.headers.authorization;
      const bearer = header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
      const cookie = header ? undefined : parseCookie(req.headers.cookie ?? '')[ACCESS_COOKIE];
      const token = bearer ?? cookie;
      const session = token ? await core.auth.authenticate(token) : null;
      if (!session) {
        res.status(401).json(errorBody('authentication required'));
        return;
      }
      if (session.user.role !== 'admin') {
        res.status(403).json(errorBody('requires the admin role'));
        return;
      }
      if (
        cookie &&
        req.method !== 'GET' &&
        req.method !== 'HEAD' &&
        !sameOrigin(req.headers.origin, req.headers.host)
      ) {
        res.status(403).json(errorBody('cross-origin request refused'));
        return;
      }
      next();
    } catch (error) {
      next(error);
    }
  };
}

export interface QueueDashboard {
  router: Router;
  /** Closes the dashboard's queue handles (not the shared Redis connection). */
  close(): Promise<void>;
}

/**
 * bull-board over the worker's queues (names from `contracts`, the worker's
 * key prefix) on the api's Redis connection; without Redis it answers 503.
 */
export function createQueueDashboard(options: {
  core: Pick<Core, 'auth'>;
  redis: RedisClient | undefined;
  prefix: string;
}): QueueDashboard {
  const router = express.Router();
  router.use(requireAdmin(options.core));
  const { redis } = options;
  if (!redis) {
    router.use((_req, res) => {
      res
        .status(503)
        .json(errorBody('the queue dashboard needs Redis (set REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS)'));
    });
    return { router, close: async () => {} };
  }
  const names = [queueNames.outbox, queueNames.maintenance, ...channelTypes.map((type) => queueNames.delivery[type])];
  const queues = names.map((name) => new Queue(name, { connection: redis, prefix: options.prefix }));
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({ queues: queues.map((queue) => new BullMQAdapter(queue)), serverAdapter });
  // bull-board's page bootstraps with an inline script and inline styles.
  router.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          'script-src': ["'self'", "'unsafe-inline'"],
          'style-src': ["'self'", "'unsafe-inline'", 'https:'],
          'img-src': ["'self'", 'data:'],
          'font-src': ["'self'", 'https:', 'data:'],
        },
      },
    }),
  );
  // Without Redis every queue call fails: answer that plainly instead of bull-board's 500s.
  const unavailable = (res: express.Response) =>
    res.status(503).json(errorBody('the queue dashboard is unavailable: Redis cannot be reached'));
  router.use((_req, res, next) => {
    if (redis.status === 'ready') next();
    else unavailable(res);
  });
  router.use(serverAdapter.getRouter());
  const redisDown: ErrorRequestHandler = (error, _req, res, next) => {
    if (redis.status !== 'ready' && !res.headersSent) unavailable(res);
    else next(error);
  };
  router.use(redisDown);
  return {
    router,
    async close() {
      await Promise.all(queues.map((queue) => queue.close().catch(() => {})));
    },
  };
}
