/**
 * What `/trpc` refuses before tRPC's adapter sees the request, so that one
 * anonymous request cannot cost much more than one call:
 *
 * - a body that is not `application/json` (415): tRPC's adapter would read
 *   other types (form data, octet streams) whole, past the body limit that
 *   express.json enforces for JSON;
 * - a POST batch of more than one procedure (400): mutations are not
 *   batched by our clients (the SDK sends them one per request), and a batch
 *   multiplies the work one request buys (argon2 in auth procedures).
 *
 * Query batches are capped by tRPC's own `maxBatchSize` (`TRPC_MAX_BATCH_SIZE`).
 */
import type { RequestHandler } from 'express';

/** The most procedures one batched tRPC request may call (the SDK's `maxItems` is the same). */
export const TRPC_MAX_BATCH_SIZE = 10;

const refuse = (res: Parameters<RequestHandler>[1], status: number, message: string) => {
  // The body is not read: close the connection rather than drain what the client still sends.
  res.setHeader('Connection', 'close');
  res.status(status).json({ error: { message } });
};

/** The guard mounted on `/trpc` before tRPC's middleware. */
export function trpcGuard(): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') {
      next();
      return;
    }
    // A body-less call (logout without input) has no type to check.
    const length = req.headers['content-length'];
    const hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
    if (hasBody && !req.is('application/json')) {
      refuse(res, 415, 'request body must be application/json');
      return;
    }
    const procedures = req.path.replace(/^\/+/, '').split(',');
    if (req.query.batch === '1' && procedures.length > 1) {
      refuse(res, 400, 'batched mutations are not accepted: send one procedure per request');
      return;
    }
    next();
  };
}
