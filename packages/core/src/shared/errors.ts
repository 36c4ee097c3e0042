/**
 * The kinds of failure a use-case can report. The api maps each kind to one
 * transport code in a single table (apps/api/src/trpc/errors.ts).
 */
export type DomainErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'unprocessable'
  | 'rate_limited'
  /** The server is too busy to do this now (the caller may retry). */
  | 'unavailable';

/** A failure the caller can act on; its message is safe to show. */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly kind: DomainErrorKind,
    /** Stable machine name, e.g. `identity.email_taken`. */
    readonly code: string,
    message: string,
    /** Field errors for `invalid`: `[{field, message}]`. */
    readonly fields?: { field: string; message: string }[],
    /** For `rate_limited` and `unavailable`: when the caller may try again (sent as Retry-After). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}
