/**
 * The OpenAPI document of the REST side, post-processed to match the wire:
 * real success statuses, the error envelope, security only on protected
 * operations, aliases undone.
 */
import { generateOpenApiDocument, type OpenApiRouter } from 'trpc-to-openapi';
import { listProcedures, type RestMeta } from './meta';

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
  /** Extra paths that are not procedures (health probes, the page for machines). */
  extraPaths?: Record<string, unknown>;
  /** Component schemas the extra paths refer to (`#/components/schemas/…`). */
  extraSchemas?: Record<string, unknown>;
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
      // Rate-limited operations, and every protected one: an API key past its own budget (docs/api/09-keys.md).
      if (meta.rateLimit || !isPublic) codes.add(429);
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
  if (options.extraSchemas) {
    const components = (document.components ?? {}) as { schemas?: Record<string, unknown> };
    components.schemas = { ...options.extraSchemas, ...components.schemas };
    document.components = components;
  }
  return document;
}
