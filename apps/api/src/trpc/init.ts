import { timingSafeEqual } from 'node:crypto';
import { DomainError, type SessionUser } from '@statuspage/core';
import { initTRPC, TRPCError } from '@trpc/server';
import { CSRF_COOKIE, refreshAccessCookie } from '../http/cookies';
import { type GuessedSecret, RateLimited, type RateLimitedAction } from '../http/rate-limit';
import type { RestMeta } from '../http/rest';
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

/** The router of sign-in, tokens and the caller's own account (`/auth/*`, `/me`). */
const PRIVATE_ROUTER_PREFIX = 'auth.';

/**
 * Every procedure: domain and schema errors become their transport form here, once; a
 * successful write clears the public read cache (here and on the other replicas) before
 * its response is sent, so the writer's next read already sees it — unless its meta says
 * it changes no public data (`invalidatesPublicData: false`).
 */
const baseProcedure = t.procedure.use(async ({ ctx, next, meta, type, path }) => {
  // Tokens, cookies and the caller's own account: never kept by a browser or a proxy, errors included.
  if (path.startsWith(PRIVATE_ROUTER_PREFIX)) ctx.res.setHeader('Cache-Control', 'no-store');
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (cause instanceof DomainError && cause.retryAfterSeconds) {
      ctx.res.setHeader('Retry-After', String(cause.retryAfterSeconds));
    }
    throw toTransportError(result.error, meta?.errorDetails ?? 'fields', pathParameters(meta?.openapi?.path));
  }
  if (type === 'mutation' && meta?.invalidatesPublicData !== false) ctx.publicCache.invalidate(path);
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
    return next({ ctx: { ...ctx, user, sessionId: session.sessionId } });
  });
}

/** The input rules of every procedure (trpc/input-guard.ts), before its schema and after the role check. */
const inputGuard = t.middleware(async ({ ctx, meta, getRawInput, next }) => {
  guardInput(ctx.req, await getRawInput(), pathParameters(meta?.openapi?.path));
  return next();
});

// Order: authenticate and authorise, then look at the input (its rules, then its schema).
/** No credentials needed. */
export const publicProcedure = baseProcedure.meta({ auth: 'public' }).use(inputGuard);
/** Any signed-in account. */
export const userProcedure = baseProcedure.meta({ auth: 'user' }).use(requireRole('user')).use(inputGuard);
/** Operators and admins. */
export const operatorProcedure = baseProcedure.meta({ auth: 'operator' }).use(requireRole('operator')).use(inputGuard);
/** Admins only. */
export const adminProcedure = baseProcedure.meta({ auth: 'admin' }).use(requireRole('admin')).use(inputGuard);

/**
 * Counts an attempt against the per-IP and per-account limits of an auth
 * action; over the limit answers 429 with Retry-After.
 */
export async function enforceRateLimit(ctx: Context, action: RateLimitedAction, account?: string) {
  await refusingWith429(ctx, () => ctx.rateLimiter.consume(action, ctx.ip, account));
}

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

/**
 * Checks a secret guessed against an account under the guess limits
 * (http/rate-limit.ts): 429 when this ip is out of guesses, a delay when the
 * account is under attack; a failure whose domain code is `wrongCode` counts,
 * anything else (success included) does not.
 */
export async function checkGuess<T>(
  ctx: Context,
  guess: { secret: GuessedSecret; account: string; wrongCode: string },
  check: () => Promise<T>,
): Promise<T> {
  await refusingWith429(ctx, () => ctx.rateLimiter.beforeGuess(guess.secret, ctx.ip, guess.account));
  try {
    const result = await check();
    await ctx.rateLimiter.guessSucceeded(guess.secret, ctx.ip, guess.account);
    return result;
  } catch (error) {
    if (error instanceof DomainError && error.code === guess.wrongCode) {
      await ctx.rateLimiter.guessFailed(guess.secret, ctx.ip, guess.account);
    }
    throw error;
  }
}
