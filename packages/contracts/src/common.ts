import { z } from 'zod';

/** Slugs of services, groups and templates: lowercase words joined by single dashes. */
export const Slug = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lowercase letters and digits separated by single dashes');

// Any 8-4-4-4-12 hex id (PostgreSQL's uuid), not only RFC 9562 versions: unknown ids answer 404, not 400.
export const Uuid = z.guid();
export const Timestamp = z.iso.datetime({ offset: true });
export const Email = z.email().max(254);
export const Password = z.string().min(8).max(256);

/**
 * A boolean read from a query string. REST query values arrive as strings and
 * "false" must mean false (a plain coercion would read it as true); tRPC
 * callers may pass a real boolean.
 */
export const QueryBoolean = z.preprocess((value) => {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return value;
}, z.boolean());

/** An integer read from a query string (or passed as a number by tRPC callers). */
export function queryInt(opts: { min: number; max?: number }) {
  let inner = z.number().int().min(opts.min);
  if (opts.max !== undefined) inner = inner.max(opts.max);
  return z.preprocess((value) => {
    if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value);
    return value;
  }, inner);
}

/** Success envelope of every JSON response: `{"data": ...}`. */
export function envelope<T extends z.ZodType>(data: T) {
  return z.object({ data });
}

export const MessageData = z.object({ message: z.string() });
