import type { AnyTRPCRouter, TRPCBuiltRouter, TRPCMutationProcedure, TRPCQueryProcedure } from '@trpc/server';
import { type AppRouter, appRouter } from './routers';
import type { ErrorEnvelope } from './trpc/errors';

/**
 * What a client needs to know of the router: each procedure's input and
 * output, and the error shape — without the server's context (core, request,
 * response) or its REST metadata, which name server-only modules.
 *
 * The types are written as mapped types inside a function's return type on
 * purpose: a declaration emit of `clientRouter` then spells every procedure's
 * input and output out as plain object types, importing nothing but
 * `@trpc/server`. The SDK's build publishes that declaration (see
 * packages/sdk/scripts/build-types.ts), so its consumers get the real types
 * without this package.
 */
type Io = { input: unknown; output: unknown; meta: unknown };
// Aliases declared here are emitted with the declaration; their arguments must be plain types.
type Query<I, O> = TRPCQueryProcedure<{ input: I; output: O; meta: object }>;
type Mutation<I, O> = TRPCMutationProcedure<{ input: I; output: O; meta: object }>;

/** The `error` member of every error (`{message, details}`, see trpc/errors.ts), spelled out: the api's own type lives in a server module. */
type Envelope = { message: string; details?: { field: string; message: string }[] | string };
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const envelopeMatches: Same<Envelope, ErrorEnvelope> = true;
void envelopeMatches;

type ErrorShapeOf<R extends AnyTRPCRouter> = R['_def']['_config']['$types']['errorShape'];

function clientView<R extends AppRouter>(
  router: R,
): TRPCBuiltRouter<
  {
    ctx: object;
    meta: object;
    errorShape: { [K in keyof ErrorShapeOf<R>]: K extends 'error' ? Envelope : ErrorShapeOf<R>[K] };
    transformer: false;
  },
  {
    // Domain routers, one level deep (the `never` is caught by the check below).
    [K in keyof R['_def']['record']]: {
      [P in keyof R['_def']['record'][K]]: R['_def']['record'][K][P] extends TRPCQueryProcedure<infer D extends Io>
        ? Query<D['input'], D['output']>
        : R['_def']['record'][K][P] extends TRPCMutationProcedure<infer D extends Io>
          ? Mutation<D['input'], D['output']>
          : never;
    };
  }
> {
  return router as never;
}

/** The router as clients see it (the same object; only its type is narrower). */
export const clientRouter = clientView(appRouter);
export type ClientRouter = typeof clientRouter;

type Record = ClientRouter['_def']['record'];
/** Paths the view could not express (a subscription, or a router nested deeper): must be none. */
type Unexpressed = {
  [K in keyof Record]: {
    [P in keyof Record[K]]: [Record[K][P]] extends [never] ? `${K & string}.${P & string}` : never;
  }[keyof Record[K]];
}[keyof Record];
const everyProcedureExpressed: [Unexpressed] extends [never] ? true : Unexpressed = true;
void everyProcedureExpressed;
