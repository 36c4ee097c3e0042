import { PUBLIC_CACHE_INVALIDATION_CHANNEL } from '@statuspage/contracts';
import {
  appSecretSettings,
  boolSetting,
  ConfigError,
  countSetting,
  DEVELOPMENT_SECRETS,
  durationSetting,
  loadSettings,
  networkListSetting,
  portSetting,
  type RedisTopology,
  redisChannelSetting,
  redisRefinementParams,
  redisSettings,
  redisTopologyOf,
  refineProductionSecrets,
  refineRedisTopology,
} from '@statuspage/platform';
import { z } from 'zod';

/** The api's default; the worker warns about it as the api does, and refuses it in production. */
export const DEVELOPMENT_SECRET = DEVELOPMENT_SECRETS[0] as string;

/**
 * The worker's configuration (the variable names of the README's tables). PostgreSQL and Redis (one
 * server, a cluster or Sentinel) are required: the embedded PGlite database belongs to the api process alone.
 */
export const WorkerEnvSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    DATABASE_URL: z.url({
      protocol: /^postgres(ql)?$/,
      message:
        'DATABASE_URL is required: the worker needs PostgreSQL (postgres://…); the embedded PGlite database cannot be shared between processes',
    }),
    DATABASE_POOL_SIZE: countSetting(10, 200),
    /** Off behind PgBouncer in transaction pooling before 1.21 (see the api's). */
    DATABASE_PREPARED_STATEMENTS: boolSetting(true),
    /** Required: one of REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS (refineRedisTopology). */
    ...redisSettings(),
    /** Prefix of every BullMQ key; the installation id is appended (`<prefix>-<12 hex digits>`). */
    WORKER_QUEUE_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, `_`, `.` and `-` only')
      .default('statuspage'),
    /** Jobs each delivery queue works on at once in this process. */
    WORKER_CONCURRENCY: countSetting(20, 1000),
    /** How often the outbox is polled for new rows. */
    WORKER_OUTBOX_POLL_INTERVAL: durationSetting('200ms', 'ms'),
    /** How often the repair looks for work whose job Redis lost (outbox rows, pending deliveries). */
    WORKER_REPAIR_INTERVAL: durationSetting('60s', 'ms'),
    /** How long work must have stood still before the repair looks at it. */
    WORKER_REPAIR_STALE_AFTER: durationSetting('2m', 'ms'),
    /** How long in-hand jobs get on SIGTERM before they are handed back. */
    WORKER_SHUTDOWN_TIMEOUT: durationSetting('30s', 'ms'),
    /** Where a scheduled transition tells the api replicas to clear their public cache (the api's PUBLIC_CACHE_CHANNEL). */
    PUBLIC_CACHE_CHANNEL: redisChannelSetting(PUBLIC_CACHE_INVALIDATION_CHANNEL),
    /** How long before a scheduled maintenance starts its subscribers are reminded (0: no reminder). */
    MAINTENANCE_REMINDER_LEAD: durationSetting('60m', 'ms'),
    /** How long audit-log entries are kept (0: for ever); older ones are deleted every hour. */
    AUDIT_RETENTION: durationSetting('365d', 's'),
    /** Port of the Prometheus `/metrics` endpoint (0: any free port). */
    WORKER_METRICS_PORT: portSetting(9091, { allowAny: true }),
    /** Where /metrics listens: loopback unless Prometheus scrapes from elsewhere (0.0.0.0 in a container). */
    WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),

    NOTIFICATIONS_ENABLED: boolSetting(true),
    NOTIFICATIONS_BASE_URL: z.url().default('http://localhost:8080'),
    NOTIFICATIONS_EMAIL_ENABLED: boolSetting(true),
    NOTIFICATIONS_EMAIL_SMTP_HOST: z.string().min(1).default('localhost'),
    NOTIFICATIONS_EMAIL_SMTP_PORT: portSetting(1025),
    NOTIFICATIONS_EMAIL_SMTP_USER: z.string().optional(),
    NOTIFICATIONS_EMAIL_SMTP_PASSWORD: z.string().optional(),
    /** Pooled SMTP connections (each stays open for any number of messages). */
    NOTIFICATIONS_EMAIL_SMTP_MAX_CONNECTIONS: countSetting(5, 100),
    NOTIFICATIONS_EMAIL_FROM_ADDRESS: z.string().min(3).default('statuspage@localhost'),
    NOTIFICATIONS_TELEGRAM_ENABLED: boolSetting(false),
    NOTIFICATIONS_TELEGRAM_BOT_TOKEN: z.string().optional(),
    NOTIFICATIONS_TELEGRAM_API_URL: z.url().default('https://api.telegram.org'),
    NOTIFICATIONS_MATTERMOST_ALLOWED_NETWORKS: networkListSetting(),
    /** Telegram messages per second for the whole bot (all workers together). */
    NOTIFICATIONS_TELEGRAM_RATE_LIMIT: countSetting(25, 1000),
    NOTIFICATIONS_RETRY_MAX_ATTEMPTS: countSetting(5, 100),
    NOTIFICATIONS_RETRY_INITIAL_BACKOFF: durationSetting('1s', 'ms'),
    NOTIFICATIONS_RETRY_MAX_BACKOFF: durationSetting('5m', 'ms'),
    /** How long one send (SMTP, Telegram, webhook) may take. */
    NOTIFICATIONS_SEND_TIMEOUT: durationSetting('30s', 'ms'),
    /** Lifetime of a verification code in seconds (as the api reads it), quoted in its e-mail (the api enforces it). */
    NOTIFICATIONS_VERIFICATION_CODE_TTL: durationSetting('15m', 's'),
    /** Must be the api's APP_SECRET (and APP_SECRET_PREVIOUS). */
    ...appSecretSettings(DEVELOPMENT_SECRET),
  })
  .superRefine((env, ctx) => {
    refineProductionSecrets(env, ctx);
    if (env.NOTIFICATIONS_ENABLED && env.NOTIFICATIONS_TELEGRAM_ENABLED && !env.NOTIFICATIONS_TELEGRAM_BOT_TOKEN) {
      ctx.addIssue({
        code: 'custom',
        path: ['NOTIFICATIONS_TELEGRAM_BOT_TOKEN'],
        message: 'NOTIFICATIONS_TELEGRAM_BOT_TOKEN is required when NOTIFICATIONS_TELEGRAM_ENABLED is true',
      });
    }
    if (env.NOTIFICATIONS_RETRY_MAX_BACKOFF < env.NOTIFICATIONS_RETRY_INITIAL_BACKOFF) {
      ctx.addIssue({
        code: 'custom',
        path: ['NOTIFICATIONS_RETRY_MAX_BACKOFF'],
        message: 'must not be shorter than NOTIFICATIONS_RETRY_INITIAL_BACKOFF',
      });
    }
  })
  .superRefine(refineRedisTopology({ required: 'the worker needs Redis' }), redisRefinementParams);
export type WorkerEnv = z.infer<typeof WorkerEnvSchema>;

export { ConfigError };

/** Parses the environment once; a bad value names the variable (empty strings count as unset). */
export function loadWorkerEnv(source: NodeJS.ProcessEnv = process.env): WorkerEnv {
  return loadSettings(WorkerEnvSchema, source);
}

/** The Redis topology of a parsed configuration (the schema makes sure there is one). */
export function workerRedisTopology(env: WorkerEnv): RedisTopology {
  const topology = redisTopologyOf(env);
  if (!topology) throw new ConfigError('invalid configuration:\n  REDIS_URL: the worker needs Redis');
  return topology;
}
