import { createHash, timingSafeEqual } from 'node:crypto';
import {
  type AuditActor,
  type AuthenticatedSession,
  DomainError,
  type SessionUser,
  withAuditContext,
} from '@statuspage/core';
import { initTRPC, TRPCError } from '@trpc/server';
import { CSRF_COOKIE, refreshAccessCookie } from '../http/cookies';
import { RateLimited } from '../http/rate-limit';
import type { RateLimitAccount, RestMeta } from '../http/rest';
import type { Context } from './context';
import { errorEnvelope, toTransportError } from './errors';
import { guardInput, pathParameters } from './input-guard';

const t = initTRPC
  .context<Context>()
  .meta<RestMeta>()
  .create({
    isDev: false,
    errorFormatter({ shape, error }) {
      const envelope = errorEnvelope(error);
      return { ...shape, message: envelope.message, error: envelope };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** The routers of sign-in, tokens and the caller's own account (`/auth/*`, `/me`), of API keys (`/keys`) and integrations (their secrets). */
const PRIVATE_ROUTER_PREFIXES = ['auth.', 'keys.', 'integrations.'];

/** Who the audit log names for a caller: the person, or the API key and its owner; no session, a visitor. */
export function auditActorOf(session: AuthenticatedSession | null): AuditActor {
  if (!session) return { type: 'anonymous' };
  const { user } = session;
  if (session.apiKeyId) return { type: 'api_key', id: session.apiKeyId, userId: user.id, label: user.email };
  return { type: 'user', id: user.id, userId: user.id, label: user.email };
}

/**
 * Every procedure: domain and schema errors become their transport form here, once; a
 * successful write clears the public read cache (here and on the other replicas) before
 * its response is sent, so the writer's next read already sees it — unless its meta says
 * it changes no public data (`invalidatesPublicData: false`); with a read replica, the clear
 * carries the primary's WAL position after the write (http/public-cache/replica.ts). A mutation runs in an audit
 * context: what its transactions change is recorded with the caller, ip, request and procedure.
 */
const baseProcedure = t.procedure.use(async ({ ctx, next, meta, type, path }) => {
  // Tokens, keys, cookies and the caller's own account: never kept by a browser or a proxy, errors included.
  if (PRIVATE_ROUTER_PREFIXES.some((prefix) => path.startsWith(prefix))) ctx.res.setHeader('Cache-Control', 'no-store');
  const result =
    type === 'mutation'
      ? await withAuditContext(
          {
            actor: async () => auditActorOf(await ctx.getSession()),
            ip: ctx.ip,
            requestId: ctx.requestId,
            operation: path,
          },
          () => next(),
        )
      : await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (cause instanceof DomainError && cause.retryAfterSeconds) {
      ctx.res.setHeader('Retry-After', String(cause.retryAfterSeconds));
    }
    throw toTransportError(result.error, meta?.errorDetails ?? 'fields', pathParameters(meta?.openapi?.path));
  }
  if (type === 'mutation' && meta?.invalidatesPublicData !== false) {
    // Committed: where the primary's WAL is now, for refills from a read replica (none: no query).
    ctx.publicCache.invalidate(path, await ctx.publicCache.writePosition());
  }
  return result;
});

const roleRank = { user: 1, operator: 2, admin: 3 } as const;
export type Role = keyof typeof roleRank;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameToken(a: string, b: string) {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function requireRole(least: Role) {
  return t.middleware(async ({ ctx, next }) => {
    const session = await ctx.getSession();
    if (!session || !ctx.credentials) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'authentication required' });
    // A key's own budget counts every call it authenticates, allowed or not.
    if (session.apiKeyId) {
      const apiKeyId = session.apiKeyId;
      await refusingWith429(ctx, () => ctx.apiKeyRateLimiter.consume(apiKeyId));
    }
    // Cookie-authenticated state changes must echo the csrf cookie (double submit).
    if (ctx.credentials.source === 'cookie' && !SAFE_METHODS.has(ctx.req.method)) {
      const header = ctx.req.headers['x-csrf-token'];
      const cookie = ctx.requestCookies[CSRF_COOKIE];
      if (typeof header !== 'string' || !cookie || !sameToken(header, cookie)) {
        throw new TRPCError({ code: 'FORBIDDEN', message: 'missing or invalid CSRF token' });
      }
    }
    if (roleRank[session.user.role] < roleRank[least]) {
      throw new TRPCError({ code: 'FORBIDDEN', message: `requires the ${least} role` });
    }
    if (session.fresh && ctx.credentials.source === 'cookie') {
      refreshAccessCookie(ctx.res, ctx.cookies, ctx.credentials.token);
    }
    const user: SessionUser = session.user;
    return next({ ctx: { ...ctx, user, sessionId: session.sessionId, apiKeyId: session.apiKeyId } });
  });
}

/** The input rules of every procedure (trpc/input-guard.ts), before its schema and after the role check. */
const inputGuard = t.middleware(async ({ ctx, meta, getRawInput, next }) => {
  guardInput(ctx.req, await getRawInput(), pathParameters(meta?.openapi?.path));
  return next();
});

/** The account an attempt counts against; null when the input cannot name one (its schema refuses it). */
function rateLimitAccount(account: RateLimitAccount, rawInput: unknown, ctx: Context): string | null {
  if (account === 'caller') return (ctx as Context & { user?: SessionUser }).user?.id ?? null;
  const field = 'field' in account ? account.field : account.hashedField;
  const value =
    rawInput && typeof rawInput === 'object' && !Array.isArray(rawInput)
      ? (rawInput as Record<string, unknown>)[field]
      : undefined;
  if (typeof value !== 'string') return null;
  return 'hashedField' in account ? createHash('sha256').update(value).digest('hex') : value;
}

/** The rate limit the procedure's meta declares (`meta.rateLimit`; the limits: http/rate-limit.ts). */
const rateLimit = t.middleware(async ({ ctx, meta, getRawInput, next }) => {
  const policy = meta?.rateLimit;
  if (!policy) return next();
  const account = rateLimitAccount(policy.account, await getRawInput(), ctx);
  if (account === null) return next();
  if ('budget' in policy) {
    await refusingWith429(ctx, () => ctx.integrationRateLimiter.consume(`${ctx.ip}:${account}`));
    return next();
  }
  if ('attempts' in policy) {
    await refusingWith429(ctx, () => ctx.rateLimiter.consume(policy.attempts, ctx.ip, account));
    const result = await next();
    // The limiter runs before the input schema: an input the schema refused never was an attempt.
    if (!result.ok && result.error.code === 'BAD_REQUEST' && !(result.error.cause instanceof DomainError)) {
      await ctx.rateLimiter.refund(policy.attempts, ctx.ip, account);
    }
    return result;
  }
  await refusingWith429(ctx, () => ctx.rateLimiter.beforeGuess(policy.guesses, ctx.ip, account));
  const result = await next();
  if (result.ok) {
    await ctx.rateLimiter.guessSucceeded(policy.guesses, ctx.ip, account);
  } else if (result.error.cause instanceof DomainError && result.error.cause.code === policy.wrongCode) {
    await ctx.rateLimiter.guessFailed(policy.guesses, ctx.ip, account);
  }
  return result;
});

async function refusingWith429(ctx: Context, limit: () => Promise<void>) {
  try {
    await limit();
  } catch (error) {
    if (error instanceof RateLimited) {
      ctx.res.setHeader('Retry-After', String(error.retryAfterSeconds));
      throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: error.message });
    }
    throw error;
  }
}

// Order: authenticate and authorise, then look at the input (its rules, the rate limit, then its schema).
/** No credentials needed. */
export const publicProcedure = baseProcedure.meta({ auth: 'public' }).use(inputGuard).use(rateLimit);
/** Any signed-in account. */
export const userProcedure = baseProcedure
  .meta({ auth: 'user' })
  .use(requireRole('user'))
  .use(inputGuard)
  .use(rateLimit);
/** Operators and admins. */
export const operatorProcedure = baseProcedure
  .meta({ auth: 'operator' })
  .use(requireRole('operator'))
  .use(inputGuard)
  .use(rateLimit);
/** Admins only. */
export const adminProcedure = baseProcedure
  .meta({ auth: 'admin' })
  .use(requireRole('admin'))
  .use(inputGuard)
  .use(rateLimit);
