import { PUBLIC_CACHE_INVALIDATION_CHANNEL } from '@statuspage/contracts';
import {
  appSecretSettings,
  boolSetting,
  ConfigError,
  DEVELOPMENT_SECRETS,
  durationSetting,
  isNetwork,
  loadSettings,
  networkListSetting,
  portSetting,
  redisChannelSetting,
  redisRefinementParams,
  redisSettings,
  refineProductionSecrets,
  refineRedisTopology,
} from '@statuspage/platform';
import { z } from 'zod';

/** Used when APP_SECRET is unset; fine for development (warned), refused in production. */
export const DEVELOPMENT_SECRET = DEVELOPMENT_SECRETS[0] as string;

/** Express's named sets of addresses (`trust proxy`). */
const NAMED_PROXY_SETS = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * Which reverse proxies may set X-Forwarded-For (Express `trust proxy`):
 * `false`, a hop count, or a comma-separated list of proxy IPs/CIDRs and the
 * named sets `loopback`, `linklocal`, `uniquelocal`. A blanket `true` is
 * refused: it trusts whatever a client writes in the header, so anyone could
 * choose the address their rate limits are counted on.
 */
const trustProxySetting = () =>
  z
    .string()
    .default('loopback')
    .transform((value, ctx): boolean | number | string => {
      const setting = value.trim();
      if (setting === 'false') return false;
      if (setting === 'true') {
        ctx.addIssue({
          code: 'custom',
          message:
            'TRUST_PROXY=true trusts every X-Forwarded-For entry, so any client can pick its own address: ' +
            'give the number of proxies in front of the api (e.g. 1) or their addresses (e.g. 10.0.0.5, 10.0.0.0/8, loopback)',
        });
        return z.NEVER;
      }
      if (/^\d+$/.test(setting)) return Number(setting);
      const entries = setting.split(',').map((entry) => entry.trim());
      const bad = entries.filter((entry) => !NAMED_PROXY_SETS.includes(entry) && !isNetwork(entry));
      if (bad.length > 0 || entries.length === 0) {
        ctx.addIssue({
          code: 'custom',
          message: `expected false, a hop count, or IPs/CIDRs and ${NAMED_PROXY_SETS.join('/')} separated by commas; not ${bad.join(', ')}`,
        });
        return z.NEVER;
      }
      return entries.join(',');
    });

/** The api's configuration: every variable it reads, with defaults (the README's configuration table). */
export const EnvSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    DATABASE_URL: z.url().optional(),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    /**
     * A read replica of DATABASE_URL for the public reads that refill the public cache (README,
     * "PgBouncer and read replicas"); everything else stays on DATABASE_URL.
     */
    DATABASE_READ_URL: z.url({ protocol: /^postgres(ql)?$/, message: 'expected a postgres:// URL' }).optional(),
    DATABASE_READ_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    /** Server-side prepared statements; off behind PgBouncer in transaction pooling before 1.21. */
    DATABASE_PREPARED_STATEMENTS: boolSetting(true),
    PGLITE_DATA_DIR: z.string().optional(),
    /** One of REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS (none: rate limits in memory, no cache bus). */
    ...redisSettings(),
    REDIS_CONNECT_TIMEOUT: durationSetting('3s', 's'),
    SERVER_HOST: z.string().default('0.0.0.0'),
    SERVER_PORT: portSetting(8080, { allowAny: true }),
    SERVER_METRICS_PORT: portSetting(9090, { allowAny: true }),
    /** Where /metrics listens: loopback unless Prometheus scrapes from elsewhere (0.0.0.0 in a container). */
    SERVER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    SERVER_SHUTDOWN_TIMEOUT: durationSetting('10s', 's'),
    /** The worker's BullMQ key prefix (the queue dashboard reads the worker's queues). */
    WORKER_QUEUE_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, `_`, `.` and `-` only')
      .default('statuspage'),
    TRUST_PROXY: trustProxySetting(),
    PUBLIC_CACHE_TTL: durationSetting('30s', 's'),
    /** Redis channel on which the replicas (and the worker) announce writes that clear the public cache. */
    PUBLIC_CACHE_CHANNEL: redisChannelSetting(PUBLIC_CACHE_INVALIDATION_CHANNEL),
    LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
    CORS_ALLOWED_ORIGINS: z
      .string()
      .default('')
      .transform((value) =>
        value
          .split(',')
          .map((origin) => origin.trim())
          .filter(Boolean),
      ),
    COOKIE_SECURE: boolSetting(true),
    COOKIE_DOMAIN: z.string().optional(),
    BODY_LIMIT: z.string().default('1mb'),
    AUTH_ACCESS_TOKEN_TTL: durationSetting('15m', 's'),
    AUTH_REFRESH_TOKEN_TTL: durationSetting('30d', 's'),
    AUTH_SESSION_MAX_AGE: durationSetting('24h', 's'),
    AUTH_REFRESH_FAMILY_MAX_AGE: durationSetting('90d', 's'),
    AUTH_REFRESH_REUSE_GRACE: durationSetting('30s', 's'),
    /**
     * How long this replica trusts an access token or API key it has just checked without asking the
     * database again (0: every request asks). Sign-outs, revocations and account changes made through
     * this replica apply at once; made through another replica, within this time.
     */
    AUTH_CACHE_TTL: durationSetting('2s', 's'),
    /** argon2 hashes/verifications at once (default: the number of cores) and calls waiting at most (default 8 per slot). */
    AUTH_PASSWORD_HASH_CONCURRENCY: z.coerce.number().int().min(1).max(256).optional(),
    AUTH_PASSWORD_HASH_QUEUE: z.coerce.number().int().min(0).max(100_000).optional(),
    RATE_LIMIT_AUTH_PER_IP: z.coerce.number().int().min(1).default(20),
    RATE_LIMIT_AUTH_PER_ACCOUNT: z.coerce.number().int().min(1).default(10),
    RATE_LIMIT_AUTH_WINDOW: durationSetting('1m', 's'),
    /** Requests one API key may make per window (its own budget, apart from the auth limits). */
    RATE_LIMIT_API_KEY_REQUESTS: z.coerce.number().int().min(1).default(600),
    RATE_LIMIT_API_KEY_WINDOW: durationSetting('1m', 's'),
    /** Payloads one integration endpoint accepts per client ip and window (Alertmanager, Grafana, scripts). */
    RATE_LIMIT_INTEGRATION_REQUESTS: z.coerce.number().int().min(1).default(300),
    RATE_LIMIT_INTEGRATION_WINDOW: durationSetting('1m', 's'),
    NOTIFICATIONS_ENABLED: boolSetting(true),
    NOTIFICATIONS_BASE_URL: z.url().default('http://localhost:8080'),
    NOTIFICATIONS_EMAIL_ENABLED: boolSetting(true),
    NOTIFICATIONS_TELEGRAM_ENABLED: boolSetting(false),
    NOTIFICATIONS_TELEGRAM_BOT_TOKEN: z.string().optional(),
    NOTIFICATIONS_TELEGRAM_BOT_USERNAME: z.string().optional(),
    NOTIFICATIONS_TELEGRAM_API_URL: z.url().default('https://api.telegram.org'),
    NOTIFICATIONS_MATTERMOST_ALLOWED_NETWORKS: networkListSetting(),
    NOTIFICATIONS_VERIFICATION_CODE_TTL: durationSetting('15m', 's'),
    NOTIFICATIONS_VERIFICATION_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(5),
    NOTIFICATIONS_VERIFICATION_RESEND_COOLDOWN: durationSetting('60s', 's'),
    /** Verification codes one address may receive in an hour (whoever asks, whichever channel). */
    NOTIFICATIONS_VERIFICATION_MAX_PER_ADDRESS: z.coerce.number().int().min(1).default(5),
    /** Verification codes one user may have sent in an hour (all addresses together). */
    NOTIFICATIONS_VERIFICATION_MAX_PER_USER: z.coerce.number().int().min(1).default(10),
    NOTIFICATIONS_PROBE_TIMEOUT: durationSetting('10s', 's'),
    SUBSCRIBERS_RATE_LIMIT_PER_IP: z.coerce.number().int().min(1).default(10),
    SUBSCRIBERS_RATE_LIMIT_PER_ADDRESS: z.coerce.number().int().min(1).default(3),
    SUBSCRIBERS_RATE_LIMIT_WINDOW: durationSetting('1h', 's'),
    SUBSCRIBERS_MAX_PENDING_PER_IP: z.coerce.number().int().min(1).default(5),
    SUBSCRIBERS_MAIL_COOLDOWN: durationSetting('1m', 's'),
    ...appSecretSettings(DEVELOPMENT_SECRET),
  })
  .superRefine((env, ctx) => {
    refineProductionSecrets(env, ctx);
    if (env.DATABASE_READ_URL && !env.DATABASE_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_READ_URL'],
        message: 'DATABASE_READ_URL needs DATABASE_URL: a read replica is of a PostgreSQL primary, not of PGlite',
      });
    }
  })
  .superRefine(refineRedisTopology({ required: false }), redisRefinementParams);
export type Env = z.infer<typeof EnvSchema>;

/**
 * Parses the environment once. A bad value stops the process with a message
 * naming the variable (empty strings count as unset).
 */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  return loadSettings(EnvSchema, source);
}

export { ConfigError };
