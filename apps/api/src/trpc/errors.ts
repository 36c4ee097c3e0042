import { DomainError, type DomainErrorKind } from '@statuspage/core';
import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import { noSuchResource } from './input-guard';

/** The one table from domain failures to transport codes (tRPC code ⇒ HTTP status). */
export const errorCodeByKind: Record<DomainErrorKind, TRPC_ERROR_CODE_KEY> = {
  invalid: 'BAD_REQUEST', // 400
  unauthenticated: 'UNAUTHORIZED', // 401
  forbidden: 'FORBIDDEN', // 403
  not_found: 'NOT_FOUND', // 404
  conflict: 'CONFLICT', // 409
  unprocessable: 'UNPROCESSABLE_CONTENT', // 422
  rate_limited: 'TOO_MANY_REQUESTS', // 429
  unavailable: 'SERVICE_UNAVAILABLE', // 503
};

export interface FieldError {
  field: string;
  message: string;
}

/** An input that failed its schema, with the details format its operation documents. */
export class ValidationFailure extends Error {
  override readonly name = 'ValidationFailure';
  constructor(
    readonly fields: FieldError[],
    readonly format: 'fields' | 'string',
  ) {
    super('validation failed');
  }
}

type ZodIssueLike = { path: PropertyKey[]; message: string; code?: string; keys?: string[] };

function isZodError(value: unknown): value is { issues: ZodIssueLike[] } {
  return (
    Boolean(value) && (value as Error).name === 'ZodError' && Array.isArray((value as { issues?: unknown }).issues)
  );
}

/** zod issues → `[{field, message}]`, one per offending field (unknown keys named each). */
export function fieldErrors(issues: ZodIssueLike[]): FieldError[] {
  return issues.flatMap((issue) => {
    const prefix = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      return issue.keys.map((key) => ({ field: prefix ? `${prefix}.${key}` : key, message: 'unknown field' }));
    }
    return [{ field: prefix || 'body', message: issue.message }];
  });
}

/**
 * Rewrites a failed procedure's error into its transport form: domain errors
 * get their mapped code, schema failures become a ValidationFailure, except
 * that a path parameter failing its schema is a 404 (an id that cannot exist).
 * Others pass through (unexpected ones stay INTERNAL_SERVER_ERROR).
 */
export function toTransportError(
  error: TRPCError,
  detailsFormat: 'fields' | 'string',
  pathParams: ReadonlySet<string> = new Set(),
): TRPCError {
  let cause = error.cause;
  if (
    error.code === 'BAD_REQUEST' &&
    isZodError(cause) &&
    cause.issues.some((issue) => pathParams.has(String(issue.path[0] ?? '')))
  ) {
    cause = noSuchResource();
  }
  if (cause instanceof DomainError) {
    const failure = cause.kind === 'invalid' ? new ValidationFailure(cause.fields ?? [], detailsFormat) : cause;
    return new TRPCError({ code: errorCodeByKind[cause.kind], message: cause.message, cause: failure });
  }
  if (error.code === 'BAD_REQUEST' && isZodError(cause)) {
    return new TRPCError({
      code: 'BAD_REQUEST',
      message: 'validation failed',
      cause: new ValidationFailure(fieldErrors(cause.issues), detailsFormat),
    });
  }
  return error;
}

export interface ErrorEnvelope {
  message: string;
  details?: FieldError[] | string;
}

/** The `{message, details}` error object (README, API) for any error that reaches the formatter. */
export function errorEnvelope(error: TRPCError): ErrorEnvelope {
  const cause = error.cause;
  if (cause instanceof ValidationFailure) {
    const fields = cause.fields;
    if (cause.format === 'string') {
      const text = fields.map((field) => `${field.field}: ${field.message}`).join('; ');
      return { message: error.message, details: text || error.message };
    }
    return { message: error.message, ...(fields.length > 0 ? { details: fields } : { details: [] }) };
  }
  if (isZodError(cause)) {
    return { message: 'validation failed', details: fieldErrors(cause.issues) };
  }
  switch (error.code) {
    case 'INTERNAL_SERVER_ERROR':
      return { message: 'internal error' };
    case 'PARSE_ERROR':
      return { message: 'malformed JSON body' };
    case 'PAYLOAD_TOO_LARGE':
      return { message: 'request body too large' };
    case 'UNSUPPORTED_MEDIA_TYPE':
      return { message: 'request body must be application/json' };
    default:
      return { message: error.message };
  }
}
