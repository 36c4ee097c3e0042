import { TRPCClientError } from '@trpc/client';

/** A field-level validation failure, as the server reports it in `error.details`. */
export interface FieldError {
  field: string;
  message: string;
}

/** The server's error envelope (`{"error": {"message", "details"}}`). */
export interface ErrorEnvelope {
  message: string;
  details?: FieldError[] | string;
}

/**
 * Any failed call: `code` is the tRPC error code (`NOT_FOUND`, `UNAUTHORIZED`, …,
 * or `NETWORK_ERROR` when no answer arrived), `status` its HTTP status (0 without
 * an answer), `message` and `details` come from the server's error envelope.
 */
export class StatusPageError extends Error {
  override readonly name = 'StatusPageError';
  readonly code: string;
  readonly status: number;
  readonly details: FieldError[] | string | undefined;
  readonly path: string | undefined;

  constructor(init: {
    code: string;
    status: number;
    message: string;
    details?: FieldError[] | string | undefined;
    path?: string | undefined;
    cause?: unknown;
  }) {
    super(init.message, { cause: init.cause });
    this.code = init.code;
    this.status = init.status;
    this.details = init.details;
    this.path = init.path;
  }
}

interface ShapeLike {
  message?: string;
  error?: ErrorEnvelope;
  data?: { code?: string; httpStatus?: number; path?: string };
}

/** Turns whatever a call rejected with into a StatusPageError (idempotent). */
export function toStatusPageError(error: unknown): StatusPageError {
  if (error instanceof StatusPageError) return error;
  if (error instanceof TRPCClientError) {
    const shape = (error.shape ?? undefined) as ShapeLike | undefined;
    const data = (error.data ?? shape?.data) as ShapeLike['data'] | undefined;
    if (data?.code) {
      return new StatusPageError({
        code: data.code,
        status: data.httpStatus ?? 0,
        message: shape?.error?.message ?? error.message,
        details: shape?.error?.details,
        path: data.path,
        cause: error,
      });
    }
    return new StatusPageError({ code: 'NETWORK_ERROR', status: 0, message: error.message, cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new StatusPageError({ code: 'CLIENT_ERROR', status: 0, message, cause: error });
}

/** The tRPC code of a failed call, if the server answered. */
export function errorCodeOf(error: unknown): string | undefined {
  if (error instanceof StatusPageError) return error.code;
  if (error instanceof TRPCClientError) return (error.data as ShapeLike['data'] | undefined)?.code;
  return undefined;
}
