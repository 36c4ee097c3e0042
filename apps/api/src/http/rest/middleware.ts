/**
 * The REST handler: serves the tRPC procedures at their contract paths.
 * - success status: the procedure's `meta.status` (201, 204, default 200) via
 *   `responseMeta`; 204 answers carry no body;
 * - errors: the tRPC error formatter puts `{message, details}` under `error`
 *   in the shape; this middleware keeps only `{error}` in REST error bodies;
 * - body-less POSTs (logout, restore, …) are read as an empty JSON body
 *   instead of being refused with 415;
 * - `meta.bodyAliases` renames body fields that collide with a path parameter
 *   (PATCH /services/{slug} with a new `slug` in its body);
 * - the library coerces every number/boolean of an input by truthiness (so
 *   `"false"` would be true and `"5"` a number in JSON bodies): coercion is
 *   switched off on all input schemas, and query parameters use explicit
 *   string parsers from `contracts`.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createOpenApiExpressMiddleware, type OpenApiRouter } from 'trpc-to-openapi';
import { deferBodyProblem } from '../json-body';
import { listProcedures, routeTemplatePattern } from './meta';

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
  const all = listProcedures(options.router);
  const procedures = all.filter((procedure) => procedure.meta?.openapi);
  const statusByPath = new Map(procedures.map((procedure) => [procedure.path, procedure.meta?.status ?? 200]));
  const seen = new Set<unknown>();
  for (const procedure of all) {
    for (const input of procedure.inputs) lockCoercion(input, seen);
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
        route: routeTemplatePattern(path),
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
    route: routeTemplatePattern(procedure.meta?.openapi?.path ?? ''),
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
