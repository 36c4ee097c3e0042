import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { installationQueuePrefix } from '@statuspage/contracts';
import { configurePasswordWork, createCore, defaultPasswordWorkSettings } from '@statuspage/core';
import { createDb, type DbClient, defaultPgliteDir, readInstallationId } from '@statuspage/db';
import {
  createRedisClient,
  createRedisSubscriber,
  describeRedisTopology,
  type MetricsServer,
  queueKeyPrefix,
  type RedisClient,
  redisTopologyOf,
  startMetricsServer,
} from '@statuspage/platform';
import type { Logger } from 'pino';
import { corsMiddleware, createApp, requestIdOf } from './app';
import { DEVELOPMENT_SECRET, type Env } from './env';
import { normalizingPaths } from './http/normalize-path';
import { createPublicCache, type PublicCache, type PublicCacheBus, startPublicCacheBus } from './http/public-cache';
import { publicRoutes } from './http/public-routes';
import { createQueueDashboard } from './http/queue-dashboard';
import { createApiKeyRateLimiter, createAuthRateLimiter, createIntegrationRateLimiter } from './http/rate-limit';
import { listProcedures } from './http/rest';
import { UNSUBSCRIBE_PATH } from './http/unsubscribe';
import { createLogger } from './logger';
import { createApiMetrics, createRouteResolver } from './metrics/metrics';
import { createChannelProbe } from './notifications/probe';
import { appRouter } from './routers';
import { syndicationRoutes } from './syndication/routes';
import { sessionOf } from './trpc/context';

export interface ApiServer {
  url: string;
  db: DbClient;
  /** The read replica's pool (DATABASE_READ_URL), when configured: only public cache refills use it. */
  readDb: DbClient | undefined;
  /** The public read cache (its counters, for metrics and tests). */
  publicCache: PublicCache;
  /** Where Prometheus scrapes this process: `/metrics` on SERVER_METRICS_PORT, never on the public port. */
  metricsUrl: string;
  /** The listening HTTP server (benchmarks time its requests from arrival to the last byte handed to the socket). */
  server: Server;
  /**
   * Graceful shutdown: readiness off → stop accepting and finish in-flight requests →
   * cache invalidation subscriber → Redis → databases.
   */
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Prefix of the rate-limit keys in Redis (tests isolate their runs with it). */
  rateLimitPrefix?: string;
  /** Redis channel of the public cache invalidations, instead of PUBLIC_CACHE_CHANNEL (tests isolate their runs with it). */
  publicCacheChannel?: string;
}

/** Wires configuration, database, Redis and the app, and starts listening. */
export async function startApiServer(env: Env, options: StartOptions = {}): Promise<ApiServer> {
  const logger = options.logger ?? createLogger({ level: env.LOG_LEVEL, format: env.LOG_FORMAT, name: 'api' });
  const db = await createDb({
    url: env.DATABASE_URL,
    poolSize: env.DATABASE_POOL_SIZE,
    dataDir: env.PGLITE_DATA_DIR,
    preparedStatements: env.DATABASE_PREPARED_STATEMENTS,
  });
  // Only the public reads that refill the public cache use it, and only once it has replayed the latest write.
  const readDb = env.DATABASE_READ_URL
    ? await createDb({
        url: env.DATABASE_READ_URL,
        poolSize: env.DATABASE_READ_POOL_SIZE,
        preparedStatements: env.DATABASE_PREPARED_STATEMENTS,
      })
    : undefined;
  if (db.driver === 'pglite') {
    // The embedded database belongs to this process alone: bring its schema up to date here.
    await db.migrate();
    logger.info(
      { dataDir: env.PGLITE_DATA_DIR ?? defaultPgliteDir },
      'no DATABASE_URL: using the embedded PGlite database',
    );
  }

  const redisTopology = redisTopologyOf(env);
  let redis: RedisClient | undefined;
  if (redisTopology) {
    // Fails fast: while Redis is away the rate limits count in memory rather than wait for it.
    redis = createRedisClient(redisTopology, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    let warned = false;
    redis.on('error', (error) => {
      if (!warned) logger.warn({ err: error }, 'redis unavailable: rate limits fall back to memory until it returns');
      warned = true;
    });
    redis.on('ready', () => {
      warned = false;
    });
    // Start counting attempts in Redis from the first request: memory counts are lost when it takes over.
    await Promise.race([once(redis, 'ready'), delay(env.REDIS_CONNECT_TIMEOUT * 1000)]).catch(() => {});
    if (redis.status !== 'ready') {
      logger.warn(
        { redis: describeRedisTopology(redisTopology) },
        'redis not ready yet: starting with in-memory rate limits',
      );
    }
  } else {
    logger.info(
      'no REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS: rate limits are kept in memory; the outbox accumulates until a worker runs',
    );
  }

  const publicCache = createPublicCache({
    ttlSeconds: env.PUBLIC_CACHE_TTL,
    logger,
    replica: readDb ? { primary: db, replica: readDb } : undefined,
  });
  if (readDb)
    logger.info({ database: databaseAddress(env.DATABASE_READ_URL) }, 'public reads may use the read replica');
  let cacheBus: PublicCacheBus | undefined;
  if (redisTopology && redis) {
    const publisher = redis;
    // Other replicas clear their caches on our writes and we on theirs.
    cacheBus = await startPublicCacheBus({
      connectSubscriber: () => createRedisSubscriber(redisTopology, publisher),
      publisher,
      cache: publicCache,
      logger,
      channel: options.publicCacheChannel ?? env.PUBLIC_CACHE_CHANNEL,
      readyTimeoutMs: env.REDIS_CONNECT_TIMEOUT * 1000,
    });
  }

  const emailEnabled = env.NOTIFICATIONS_ENABLED && env.NOTIFICATIONS_EMAIL_ENABLED;
  const telegramEnabled = env.NOTIFICATIONS_ENABLED && env.NOTIFICATIONS_TELEGRAM_ENABLED;
  if (env.APP_SECRET === DEVELOPMENT_SECRET) logger.warn('APP_SECRET is the development default: set your own');
  const probe = createChannelProbe({
    telegramBotToken: telegramEnabled ? env.NOTIFICATIONS_TELEGRAM_BOT_TOKEN : undefined,
    telegramApiUrl: env.NOTIFICATIONS_TELEGRAM_API_URL,
    timeoutMs: env.NOTIFICATIONS_PROBE_TIMEOUT * 1000,
    mattermostAllowedNetworks: env.NOTIFICATIONS_MATTERMOST_ALLOWED_NETWORKS,
  });
  const passwordDefaults = defaultPasswordWorkSettings();
  const hashConcurrency = env.AUTH_PASSWORD_HASH_CONCURRENCY ?? passwordDefaults.concurrency;
  configurePasswordWork({
    concurrency: hashConcurrency,
    maxQueued: env.AUTH_PASSWORD_HASH_QUEUE ?? 8 * hashConcurrency,
  });
  const core = createCore({
    db: db.db,
    readDb: readDb?.db,
    publicBaseUrl: env.NOTIFICATIONS_BASE_URL,
    identity: {
      accessTtlSeconds: env.AUTH_ACCESS_TOKEN_TTL,
      refreshTtlSeconds: env.AUTH_REFRESH_TOKEN_TTL,
      sessionMaxAgeSeconds: env.AUTH_SESSION_MAX_AGE,
      familyMaxAgeSeconds: env.AUTH_REFRESH_FAMILY_MAX_AGE,
      refreshGraceSeconds: env.AUTH_REFRESH_REUSE_GRACE,
      authCacheTtlSeconds: env.AUTH_CACHE_TTL,
      resetTtlSeconds: 3600,
      resetCooldownSeconds: 300,
    },
    notifications: {
      settings: {
        availableTypes: [
          ...(emailEnabled ? (['email'] as const) : []),
          ...(telegramEnabled ? (['telegram'] as const) : []),
          ...(env.NOTIFICATIONS_ENABLED ? (['mattermost', 'webhook', 'slack', 'discord', 'teams'] as const) : []),
        ],
        telegramBotUsername: telegramEnabled ? env.NOTIFICATIONS_TELEGRAM_BOT_USERNAME : undefined,
        codeTtlSeconds: env.NOTIFICATIONS_VERIFICATION_CODE_TTL,
        maxCodeAttempts: env.NOTIFICATIONS_VERIFICATION_MAX_ATTEMPTS,
        resendCooldownSeconds: env.NOTIFICATIONS_VERIFICATION_RESEND_COOLDOWN,
        maxCodesPerAddressPerHour: env.NOTIFICATIONS_VERIFICATION_MAX_PER_ADDRESS,
        maxCodesPerUserPerHour: env.NOTIFICATIONS_VERIFICATION_MAX_PER_USER,
        subscriberMailCooldownSeconds: env.SUBSCRIBERS_MAIL_COOLDOWN,
        maxPendingSubscribersPerIp: env.SUBSCRIBERS_MAX_PENDING_PER_IP,
      },
      probe,
      secret: env.APP_SECRET,
      previousSecret: env.APP_SECRET_PREVIOUS,
    },
  });

  // The worker keeps its queues under this installation's own prefix (only Redis needs it).
  const queuePrefix = redisTopology
    ? queueKeyPrefix(
        redisTopology,
        installationQueuePrefix(
          env.WORKER_QUEUE_PREFIX,
          await readInstallationId(db.db).catch((error: unknown) => {
            throw new Error(
              `cannot read this installation's id: are the migrations applied (pnpm db:migrate)? ${error}`,
            );
          }),
        ),
      )
    : env.WORKER_QUEUE_PREFIX;
  const queueDashboard = createQueueDashboard({ core, redis, prefix: queuePrefix });
  let ready = true;
  const metrics = createApiMetrics({ db, publicCache, resolveRoute: routeResolver() });
  const app = createApp({
    queueDashboard: queueDashboard.router,
    services: {
      core,
      cookies: {
        secure: env.COOKIE_SECURE,
        domain: env.COOKIE_DOMAIN,
        accessTtlSeconds: env.AUTH_ACCESS_TOKEN_TTL,
        refreshTtlSeconds: env.AUTH_REFRESH_TOKEN_TTL,
      },
      rateLimiter: createAuthRateLimiter(
        {
          perIp: env.RATE_LIMIT_AUTH_PER_IP,
          perAccount: env.RATE_LIMIT_AUTH_PER_ACCOUNT,
          windowSeconds: env.RATE_LIMIT_AUTH_WINDOW,
          actions: {
            subscribe: {
              perIp: env.SUBSCRIBERS_RATE_LIMIT_PER_IP,
              perAccount: env.SUBSCRIBERS_RATE_LIMIT_PER_ADDRESS,
              windowSeconds: env.SUBSCRIBERS_RATE_LIMIT_WINDOW,
            },
          },
          ...(options.rateLimitPrefix ? { keyPrefix: options.rateLimitPrefix } : {}),
        },
        redis,
      ),
      apiKeyRateLimiter: createApiKeyRateLimiter(
        {
          requests: env.RATE_LIMIT_API_KEY_REQUESTS,
          windowSeconds: env.RATE_LIMIT_API_KEY_WINDOW,
          ...(options.rateLimitPrefix ? { keyPrefix: options.rateLimitPrefix } : {}),
        },
        redis,
      ),
      integrationRateLimiter: createIntegrationRateLimiter(
        {
          requests: env.RATE_LIMIT_INTEGRATION_REQUESTS,
          windowSeconds: env.RATE_LIMIT_INTEGRATION_WINDOW,
          ...(options.rateLimitPrefix ? { keyPrefix: options.rateLimitPrefix } : {}),
        },
        redis,
      ),
      alertMetrics: metrics.alerts,
      emailEnabled,
      publicCache,
    },
    db,
    logger,
    corsOrigins: env.CORS_ALLOWED_ORIGINS,
    bodyLimit: env.BODY_LIMIT,
    trustProxy: env.TRUST_PROXY,
    publicBaseUrl: env.NOTIFICATIONS_BASE_URL,
    isReady: () => ready,
  });

  // Paths are normalised first (http/normalize-path.ts): every layer below routes on the same form.
  // Cache hits are answered before Express (it costs ~7× a bare handler); the rest goes to the app.
  const server = createServer(
    normalizingPaths(
      metrics.instrument(
        publicCache.handler({
          app: metrics.markRouted(app),
          cors: corsMiddleware(env.CORS_ALLOWED_ORIGINS),
          requestId: requestIdOf,
          // Credentials that do not authenticate make a request anonymous, as the procedures see it.
          // The lookup is remembered for the procedures when the request goes on to the app.
          authenticates: async (req) => (await sessionOf(core, req)) !== null,
        }),
      ),
    ),
  );
  let metricsServer: MetricsServer | undefined;
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
    server.listen(env.SERVER_PORT, env.SERVER_HOST);
  })
    .then(async () => {
      metricsServer = await startMetricsServer(metrics.registry, {
        port: env.SERVER_METRICS_PORT,
        host: env.SERVER_METRICS_HOST,
      });
    })
    .catch(async (error) => {
      server.close(() => {});
      await queueDashboard.close();
      probe.close();
      await cacheBus?.close();
      await redis?.quit().catch(() => redis?.disconnect());
      await readDb?.close();
      await db.close();
      throw error;
    });
  const address = server.address() as AddressInfo;
  const host = env.SERVER_HOST === '0.0.0.0' || env.SERVER_HOST === '::' ? '127.0.0.1' : env.SERVER_HOST;
  const url = `http://${host}:${address.port}`;
  const metricsUrl = (metricsServer as MetricsServer).url;
  logger.info({ url, metrics: metricsUrl }, 'api listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    db,
    readDb,
    publicCache,
    metricsUrl,
    server,
    close() {
      closing ??= (async () => {
        ready = false;
        const deadline = setTimeout(() => server.closeAllConnections(), env.SERVER_SHUTDOWN_TIMEOUT * 1000);
        deadline.unref();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        clearTimeout(deadline);
        await metricsServer?.close();
        await queueDashboard.close();
        probe.close();
        await cacheBus?.close();
        await redis?.quit().catch(() => redis?.disconnect());
        await readDb?.close();
        await db.close();
        logger.info('api stopped');
      })();
      return closing;
    },
  };
}

/**
 * Route templates for the metrics labels: REST paths from the procedures' meta, the other public routes
 * (pages, feeds), tRPC names, fixed routes.
 */
function routeResolver() {
  const procedures = listProcedures(appRouter);
  const restTemplates: string[] = procedures.flatMap((procedure) => {
    const path = procedure.meta?.openapi?.path;
    return path ? [path] : [];
  });
  restTemplates.push(...publicRoutes.map((route) => route.template));
  return createRouteResolver({
    restTemplates: [...new Set([...restTemplates, ...syndicationRoutes.map((route) => route.template)])],
    procedures: procedures.map((procedure) => procedure.path),
    fixed: ['/healthz', '/readyz', '/api/openapi.json', '/api/openapi.yaml', UNSUBSCRIBE_PATH],
  });
}

/** Where a PostgreSQL URL points, without credentials (for log lines). */
function databaseAddress(url: string | undefined) {
  if (!url) return undefined;
  const target = new URL(url);
  return `${target.hostname}:${target.port || '5432'}${target.pathname}`;
}
