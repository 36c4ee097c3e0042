import { z } from 'zod';

/**
 * Building blocks of the processes' configuration schemas (environment
 * variables are strings): the api and the worker read their settings with
 * the same rules.
 */

/** `true`/`false`, `1`/`0` or `yes`/`no`. */
export const boolSetting = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1' || value === 'yes');

const unitFactors = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * A duration (`250ms`, `30s`, `5m`, `1h`, `1d`; a bare number is seconds),
 * read as milliseconds or (rounded) seconds.
 */
export const durationSetting = (fallback: string, unit: 'ms' | 's') =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const match = /^(\d+)(ms|s|m|h|d)?$/.exec(value.trim());
      if (!match) {
        ctx.addIssue({ code: 'custom', message: 'expected a duration such as 500ms, 30s, 5m, 1h or 30d' });
        return z.NEVER;
      }
      const ms = Number(match[1]) * unitFactors[(match[2] ?? 's') as keyof typeof unitFactors];
      return unit === 'ms' ? ms : Math.round(ms / 1000);
    });

/** A TCP port; `0` (any free port) only where `allowAny`. */
export const portSetting = (fallback: number, options: { allowAny?: boolean } = {}) =>
  z.coerce
    .number()
    .int()
    .min(options.allowAny ? 0 : 1)
    .max(65_535)
    .default(fallback);

/** A positive whole number up to `max`. */
export const countSetting = (fallback: number, max = 10_000) =>
  z.coerce.number().int().min(1).max(max).default(fallback);

/**
 * The name of a Redis pub/sub channel (letters, digits, `_`, `.`, `:` and `-`): processes that
 * must hear each other name the same one.
 */
export const redisChannelSetting = (fallback: string) =>
  z
    .string()
    .max(200)
    .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits, `_`, `.`, `:` and `-` only')
    .default(fallback);

/** The secrets that ship with the code (api, worker and docker-compose defaults): public, so never for production. */
export const DEVELOPMENT_SECRETS: readonly string[] = [
  'statuspage-development-secret-change-me',
  'compose-development-secret-change-me',
];

/** Shortest secret accepted in production (32 characters: 192 bits even as base64). */
export const PRODUCTION_SECRET_MIN_LENGTH = 32;

/**
 * Why a secret must not sign anything in production (undefined: it may):
 * unset or short, one of the shipped development values, or a placeholder
 * someone forgot to replace. `name` is the variable, for the message.
 */
export function productionSecretProblem(name: string, value: string | undefined): string | undefined {
  const hint = `set ${name} to a long random value (e.g. \`openssl rand -base64 48\`), the same for api and worker`;
  if (!value) return `${name} is required in production: ${hint}`;
  if (DEVELOPMENT_SECRETS.includes(value) || /change-?me|development|placeholder|example|default/i.test(value)) {
    return `${name} is unset or a published development/placeholder value, which anyone can use to forge links: ${hint}`;
  }
  if (value.length < PRODUCTION_SECRET_MIN_LENGTH) {
    return `${name} must be at least ${PRODUCTION_SECRET_MIN_LENGTH} characters in production: ${hint}`;
  }
  if (new Set(value).size < 8) return `${name} is not random enough: ${hint}`;
  return undefined;
}

/** The signing secret and the one it replaces (accepted for verification only, while old links are around). */
export const appSecretSettings = (fallback: string) => ({
  /** Signs one-click unsubscribe links (and other tokens); api and worker must share it. */
  APP_SECRET: z.string().min(16, 'APP_SECRET must be at least 16 characters').default(fallback),
  /** The previous APP_SECRET during a rotation: links it signed stay valid; nothing new is signed with it. */
  APP_SECRET_PREVIOUS: z.string().min(16, 'APP_SECRET_PREVIOUS must be at least 16 characters').optional(),
});

/** Refuses development or weak secrets when NODE_ENV is production (a superRefine of api and worker schemas). */
export function refineProductionSecrets(
  env: { NODE_ENV: string; APP_SECRET: string; APP_SECRET_PREVIOUS?: string | undefined },
  ctx: z.RefinementCtx,
) {
  if (env.NODE_ENV !== 'production') return;
  const current = productionSecretProblem('APP_SECRET', env.APP_SECRET);
  if (current) ctx.addIssue({ code: 'custom', path: ['APP_SECRET'], message: current });
  if (env.APP_SECRET_PREVIOUS !== undefined) {
    const previous = productionSecretProblem('APP_SECRET_PREVIOUS', env.APP_SECRET_PREVIOUS);
    if (previous) ctx.addIssue({ code: 'custom', path: ['APP_SECRET_PREVIOUS'], message: previous });
  }
}

/** A configuration that cannot start the process; its message names every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Parses a process's configuration once, with its own schema (each process
 * validates only what it reads). Empty values count as unset.
 */
export function loadSettings<S extends z.ZodType>(schema: S, source: NodeJS.ProcessEnv = process.env): z.output<S> {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}
