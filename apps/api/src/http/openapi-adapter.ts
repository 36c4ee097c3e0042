/**
 * The one module that knows trpc-to-openapi (pinned exactly in package.json).
 *
 * It serves the tRPC procedures as REST at their contract paths and makes the
 * wire match SPEC.md §2 for every procedure at once:
 * - success status: the procedure's `meta.status` (201, 204, default 200) via
 *   `responseMeta`; 204 answers carry no body;
 * - errors: the tRPC error formatter puts `{message, details}` under `error`
 *   in the shape; this adapter keeps only `{error}` in REST error bodies;
 * - body-less POSTs (logout, restore, …) are read as an empty JSON body
 *   instead of being refused with 415;
 * - `meta.bodyAliases` renames body fields that collide with a path parameter
 *   (PATCH /services/{slug} with a new `slug` in its body);
 * - the library coerces every number/boolean of an input by truthiness (so
 *   `"false"` would be true and `"5"` a number in JSON bodies): coercion is
 *   switched off on all input schemas, and query parameters use explicit
 *   string parsers from `contracts`;
 * - the generated document is post-processed: real success statuses, the
 *   error envelope, security only on protected operations, aliases undone.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import {
  createOpenApiExpressMiddleware,
  generateOpenApiDocument,
  type OpenApiMeta,
  type OpenApiRouter,
} from 'trpc-to-openapi';
import { deferBodyProblem } from './json-body';

export type { OpenApiMeta } from 'trpc-to-openapi';

/** What each procedure declares about its REST side (besides `openapi`). */
export type RestExtras = {
  /** Least role, set by the procedure builder (publicProcedure, adminProcedure, …). */
  auth?: 'public' | 'user' | 'operator' | 'admin';
  /** Success status; 204 sends no body. */
  status?: 200 | 201 | 204;
  /** Body field → input field, for body fields named like a path parameter. */
  bodyAliases?: Record<string, string>;
  /** Validation details as `[{field, message}]` (default) or one string (the contract's plain `Error`). */
  errorDetails?: 'fields' | 'string';
  /** Rate-limited operations document 429. */
  rateLimited?: boolean;
};
export type RestMeta = OpenApiMeta<RestExtras>;

interface ProcedureLike {
  _def: { meta?: RestMeta; inputs: unknown[]; type: string };
}

/** Every procedure of the router with its dotted path. */
export function listProcedures(router: OpenApiRouter): { path: string; meta: RestMeta | undefined; type: string }[] {
  const procedures = (router as unknown as { _def: { procedures: Record<string, ProcedureLike> } })._def.procedures;
  return Object.entries(procedures).map(([path, procedure]) => ({
    path,
    meta: procedure._def.meta,
    type: procedure._def.type,
  }));
}

type ZodLike = { _zod?: { def?: Record<string, unknown> } };

/** Turns off trpc-to-openapi's truthiness coercion on every number/boolean/date of a schema. */
function lockCoercion(schema: unknown, seen = new Set<unknown>()) {
  if (!schema || typeof schema !== 'object' || seen.has(schema)) return;
  seen.add(schema);
  const def = (schema as ZodLike)._zod?.def;
  if (!def) return;
  const visit = (child: unknown) => lockCoercion(child, seen);
  switch (def.type) {
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'date':
      // Explicit z.coerce.* schemas keep their coercion.
      if (!def.coerce && !Object.getOwnPropertyDescriptor(def, 'coerce')?.get)
        Object.defineProperty(def, 'coerce', { get: () => false, set: () => {}, configurable: false });
      return;
    case 'object':
      for (const child of Object.values(def.shape as Record<string, unknown>)) visit(child);
      if (def.catchall) visit(def.catchall);
      return;
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'nonoptional':
    case 'catch':
      visit(def.innerType);
      return;
    case 'array':
      visit(def.element);
      return;
    case 'pipe':
      visit(def.in);
      visit(def.out);
      return;
    case 'union':
      for (const option of def.options as unknown[]) visit(option);
      return;
    case 'record':
      visit(def.valueType);
      return;
    case 'lazy':
      visit((def.getter as () => unknown)());
      return;
  }
}

function toRouteRegExp(path: string) {
  const pattern = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
  return new RegExp(`^${pattern}/?$`);
}

/** Input field → body field, to report validation errors under the names the client sent. */
type ReverseAliases = Record<string, string>;

function renameField(field: string, reverse: ReverseAliases) {
  for (const [input, body] of Object.entries(reverse)) {
    if (field === input) return body;
    if (field.startsWith(`${input}.`)) return `${body}${field.slice(input.length)}`;
  }
  return field;
}

/** Keeps only `{error}` in error bodies (with aliased fields named as sent) and sends 204 without a body. */
function shapeResponse(res: Response, reverse: ReverseAliases) {
  const end = res.end.bind(res) as (...args: unknown[]) => Response;
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    if (res.statusCode === 204) {
      res.removeHeader('Content-Type');
      return end();
    }
    if (res.statusCode >= 400 && typeof chunk === 'string') {
      try {
        const body = JSON.parse(chunk) as { error?: { message?: string; details?: unknown }; message?: string };
        const error: { message?: string; details?: unknown } = body.error ?? { message: body.message ?? 'error' };
        if (Array.isArray(error.details)) {
          error.details = error.details.map((detail: { field?: string }) =>
            typeof detail?.field === 'string' ? { ...detail, field: renameField(detail.field, reverse) } : detail,
          );
        } else if (typeof error.details === 'string') {
          // String details read "field: message; …": rename the fields at the start of each part.
          error.details = error.details
            .split('; ')
            .map((part) => {
              const colon = part.indexOf(': ');
              return colon > 0 ? `${renameField(part.slice(0, colon), reverse)}${part.slice(colon)}` : part;
            })
            .join('; ');
        }
        return end(JSON.stringify({ error }), ...rest);
      } catch {
        // not JSON: pass through
      }
    }
    return end(chunk, ...rest);
  }) as Response['end'];
}

export interface RestMiddlewareOptions<TContext> {
  router: OpenApiRouter;
  createContext(opts: { req: Request; res: Response }): TContext | Promise<TContext>;
  onError?(opts: { error: Error; path: string | undefined; req: Request }): void;
}

export interface RestMiddleware extends RequestHandler {
  /** The validation-details format of the operation at this method and path (for errors raised before routing). */
  detailsFormatFor(method: string, path: string): 'fields' | 'string';
}

/** The REST handler for every procedure with `meta.openapi`. Mount it last: it answers 404 itself. */
export function createRestMiddleware<TContext>(options: RestMiddlewareOptions<TContext>): RestMiddleware {
  const procedures = listProcedures(options.router).filter((procedure) => procedure.meta?.openapi);
  const statusByPath = new Map(procedures.map((procedure) => [procedure.path, procedure.meta?.status ?? 200]));
  const seen = new Set<unknown>();
  for (const procedure of Object.values(
    (options.router as unknown as { _def: { procedures: Record<string, ProcedureLike> } })._def.procedures,
  )) {
    for (const input of procedure._def.inputs) lockCoercion(input, seen);
  }
  // Routes with a body: path parameters and aliases, to vet body field names before the library merges them.
  const bodyRoutes = procedures
    .filter((procedure) => procedure.meta?.openapi && procedure.meta.openapi.method !== 'GET')
    .map((procedure) => {
      const path = procedure.meta?.openapi?.path ?? '';
      const aliases = procedure.meta?.bodyAliases ?? {};
      const pathParams = [...path.matchAll(/\{([^}]+)\}/g)].map((found) => found[1] ?? '');
      return {
        method: procedure.meta?.openapi?.method ?? 'GET',
        route: toRouteRegExp(path),
        aliases,
        // Body fields that are not REST body fields: internal alias targets, and path
        // parameters without an alias (the library would let the path silently win).
        reserved: [...Object.values(aliases), ...pathParams.filter((name) => !(name in aliases))],
      };
    });

  const handler = createOpenApiExpressMiddleware({
    router: options.router,
    createContext: ({ req, res }) => options.createContext({ req: req as Request, res: res as Response }),
    responseMeta: ({ paths, errors }) => {
      if (errors.length > 0) return {};
      const path = paths?.[0];
      return { status: (path && statusByPath.get(path)) || 200 };
    },
    onError: ({ error, path, req }) => options.onError?.({ error, path, req: req as Request }),
  } as Parameters<typeof createOpenApiExpressMiddleware>[0]);

  const formatRoutes = procedures.map((procedure) => ({
    method: procedure.meta?.openapi?.method ?? 'GET',
    route: toRouteRegExp(procedure.meta?.openapi?.path ?? ''),
    format: procedure.meta?.errorDetails ?? 'fields',
  }));

  const middleware = async (req: Request, res: Response, _next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD' && !req.headers['content-type']) {
      const length = Number(req.headers['content-length'] ?? 0);
      if (!length && !req.headers['transfer-encoding']) {
        req.headers['content-type'] = 'application/json';
        req.body = {};
      }
    }
    const reverse: ReverseAliases = {};
    const match = bodyRoutes.find((route) => route.method === req.method && route.route.test(req.path));
    // The library spreads the body into an object: null, an array or a number would silently become {}.
    // The procedure refuses it, after authenticating the caller (trpc/input-guard.ts).
    if (
      match &&
      'body' in req &&
      req.body !== undefined &&
      (req.body === null || typeof req.body !== 'object' || Array.isArray(req.body))
    ) {
      deferBodyProblem(req, 'not_object');
    }
    if (match && req.body && typeof req.body === 'object' && !Array.isArray(req.body)) {
      const body = { ...(req.body as Record<string, unknown>) };
      // Reserved names are set aside under a name the strict input schema refuses as unknown
      // (after the role check, so anonymous callers still get 401), reported under the name sent.
      for (const name of match.reserved) {
        if (name in body) {
          body[`$body.${name}`] = body[name];
          delete body[name];
          reverse[`$body.${name}`] = name;
        }
      }
      for (const [from, to] of Object.entries(match.aliases)) {
        if (from in body) {
          body[to] = body[from];
          delete body[from];
        }
      }
      req.body = body;
      for (const [from, to] of Object.entries(match.aliases)) reverse[to] = from;
    }
    shapeResponse(res, reverse);
    await handler(req, res);
  };
  return Object.assign(middleware, {
    detailsFormatFor(method: string, path: string) {
      return formatRoutes.find((route) => route.method === method && route.route.test(path))?.format ?? 'fields';
    },
  });
}

const errorEnvelopeSchema = (details: 'fields' | 'string' | 'none') => ({
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['message'],
      properties: {
        message: { type: 'string' },
        ...(details === 'fields'
          ? {
              details: {
                oneOf: [
                  {
                    type: 'array',
                    items: {
                      type: 'object',
                      required: ['field', 'message'],
                      properties: { field: { type: 'string' }, message: { type: 'string' } },
                    },
                  },
                  { type: 'string' },
                ],
              },
            }
          : details === 'string'
            ? { details: { type: 'string' } }
            : {}),
      },
    },
  },
});

const errorDescriptions: Record<number, string> = {
  400: 'Invalid input',
  401: 'Authentication required',
  403: 'Insufficient permissions (or missing CSRF token)',
  404: 'Not found',
  409: 'Conflict',
  413: 'Request body too large',
  422: 'Unprocessable',
  429: 'Too many requests (see Retry-After)',
  500: 'Internal error',
};

export interface DocumentOptions {
  title: string;
  version: string;
  description?: string;
  baseUrl: string;
  /** Extra paths that are not procedures (health probes). */
  extraPaths?: Record<string, unknown>;
}

type OperationObject = {
  operationId?: string;
  security?: unknown;
  parameters?: { in: string }[];
  requestBody?: {
    content?: Record<string, { schema?: { properties?: Record<string, unknown>; required?: string[] } }>;
  };
  responses?: Record<string, { description?: string; content?: Record<string, unknown> }>;
};

/** The OpenAPI document of the REST side, generated from the router and made to match the wire. */
export function generateRestDocument(router: OpenApiRouter, options: DocumentOptions) {
  const document = generateOpenApiDocument(router, {
    title: options.title,
    version: options.version,
    ...(options.description ? { description: options.description } : {}),
    baseUrl: options.baseUrl,
    securitySchemes: {
      BearerAuth: { type: 'http', scheme: 'bearer', description: 'Access token from POST /api/v1/auth/login' },
      CookieAuth: {
        type: 'apiKey',
        in: 'cookie',
        name: 'access_token',
        description: 'Set by login. State-changing requests must send the csrf_token cookie value in X-CSRF-Token.',
      },
    },
  }) as unknown as { paths: Record<string, Record<string, OperationObject>> } & Record<string, unknown>;

  const byOperationId = new Map(
    listProcedures(router)
      .filter((procedure) => procedure.meta?.openapi?.operationId)
      .map((procedure) => [procedure.meta?.openapi?.operationId, procedure.meta as RestMeta]),
  );

  for (const [path, methods] of Object.entries(document.paths ?? {})) {
    for (const operation of Object.values(methods)) {
      const meta = byOperationId.get(operation.operationId);
      if (!meta) continue;
      const isPublic = meta.auth === 'public';
      if (isPublic) delete operation.security;
      else operation.security = [{ BearerAuth: [] }, { CookieAuth: [] }];

      const aliases = meta.bodyAliases ?? {};
      const bodySchema = operation.requestBody?.content?.['application/json']?.schema;
      if (bodySchema?.properties) {
        for (const [from, to] of Object.entries(aliases)) {
          if (to in bodySchema.properties) {
            bodySchema.properties[from] = bodySchema.properties[to];
            delete bodySchema.properties[to];
            bodySchema.required = bodySchema.required?.map((name) => (name === to ? from : name));
          }
        }
      }

      const success = operation.responses?.['200'] ?? { description: 'Success' };
      const status = meta.status ?? 200;
      const responses: Record<string, unknown> = {};
      responses[String(status)] = status === 204 ? { description: success.description ?? 'No content' } : success;
      const hasInput = Boolean(operation.requestBody) || (operation.parameters?.length ?? 0) > 0;
      const codes = new Set<number>();
      if (hasInput) codes.add(400);
      if (!isPublic) {
        codes.add(401);
        codes.add(403);
      }
      if (path.includes('{')) codes.add(404);
      if (meta.rateLimited) codes.add(429);
      const declared = meta.openapi?.errorResponses;
      for (const code of Array.isArray(declared) ? declared : Object.keys(declared ?? {}).map(Number)) codes.add(code);
      codes.add(500);
      for (const code of [...codes].sort()) {
        const details = code === 400 ? (meta.errorDetails ?? 'fields') : 'none';
        responses[String(code)] = {
          description: errorDescriptions[code] ?? 'Error',
          content: { 'application/json': { schema: errorEnvelopeSchema(details) } },
        };
      }
      operation.responses = responses as OperationObject['responses'];
    }
  }
  document.paths = { ...(options.extraPaths as typeof document.paths), ...document.paths };
  return document;
}
