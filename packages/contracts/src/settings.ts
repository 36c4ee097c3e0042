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
