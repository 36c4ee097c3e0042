import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { createCore } from '@statuspage/core';
import { createDb, type DbClient, defaultPgliteDir } from '@statuspage/db';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createApp } from './app';
import type { Env } from './env';
import { createAuthRateLimiter } from './http/rate-limit';
import { createLogger } from './logger';

export interface ApiServer {
  url: string;
  db: DbClient;
  /** Graceful shutdown: readiness off → stop accepting and finish in-flight requests → Redis → database. */
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Prefix of the rate-limit keys in Redis (tests isolate their runs with it). */
  rateLimitPrefix?: string;
}

/** Wires configuration, database, Redis and the app, and starts listening. */
export async function startApiServer(env: Env, options: StartOptions = {}): Promise<ApiServer> {
  const logger = options.logger ?? createLogger({ level: env.LOG_LEVEL, format: env.LOG_FORMAT, name: 'api' });
  const db = await createDb({ url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE, dataDir: env.PGLITE_DATA_DIR });
  if (db.driver === 'pglite') {
    // The embedded database belongs to this process alone: bring its schema up to date here.
    await db.migrate();
    logger.info(
      { dataDir: env.PGLITE_DATA_DIR ?? defaultPgliteDir },
      'no DATABASE_URL: using the embedded PGlite database',
    );
  }

  let redis: Redis | undefined;
  if (env.REDIS_URL) {
    redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
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
    if (redis.status !== 'ready') logger.warn('redis not ready yet: starting with in-memory rate limits');
  } else {
    logger.info('no REDIS_URL: rate limits are kept in memory; the outbox accumulates until a worker runs');
  }

  const core = createCore({
    db: db.db,
    identity: {
      accessTtlSeconds: env.AUTH_ACCESS_TOKEN_TTL,
      refreshTtlSeconds: env.AUTH_REFRESH_TOKEN_TTL,
      resetTtlSeconds: 3600,
      resetCooldownSeconds: 300,
    },
  });

  let ready = true;
  const app = createApp({
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
          ...(options.rateLimitPrefix ? { keyPrefix: options.rateLimitPrefix } : {}),
        },
        redis,
      ),
      emailEnabled: env.NOTIFICATIONS_ENABLED && env.NOTIFICATIONS_EMAIL_ENABLED,
    },
    db,
    logger,
    corsOrigins: env.CORS_ALLOWED_ORIGINS,
    bodyLimit: env.BODY_LIMIT,
    trustProxy: env.TRUST_PROXY,
    isReady: () => ready,
  });

  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(env.SERVER_PORT, env.SERVER_HOST);
    listening.once('listening', () => resolve(listening));
    listening.once('error', reject);
  }).catch(async (error) => {
    await redis?.quit().catch(() => redis?.disconnect());
    await db.close();
    throw error;
  });
  const address = server.address() as AddressInfo;
  const host = env.SERVER_HOST === '0.0.0.0' || env.SERVER_HOST === '::' ? '127.0.0.1' : env.SERVER_HOST;
  const url = `http://${host}:${address.port}`;
  logger.info({ url }, 'api listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    db,
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
        await redis?.quit().catch(() => redis?.disconnect());
        await db.close();
        logger.info('api stopped');
      })();
      return closing;
    },
  };
}
