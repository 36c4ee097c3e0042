import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { DbClient } from '@statuspage/db';
import { serializeError } from '@statuspage/platform';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import bytes from 'bytes';
import cors from 'cors';
import express, { type ErrorRequestHandler, type Request } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import swaggerUi from 'swagger-ui-express';
import { stringify } from 'yaml';
import { jsonBody } from './http/json-body';
import { QUEUE_DASHBOARD_PATH } from './http/queue-dashboard';
import { createRestMiddleware, generateRestDocument } from './http/rest';
import { TRPC_MAX_BATCH_SIZE, trpcGuard } from './http/trpc-guard';
import { createUnsubscribeRouter } from './http/unsubscribe';
import { serializeRequest } from './logger';
import { createPages, wantsHtml } from './pages';
import { appRouter } from './routers';
import { syndicationDocument } from './syndication/openapi';
import { createSyndicationRouter } from './syndication/routes';
import { type AppServices, createContextFactory } from './trpc/context';

export interface AppOptions {
  services: AppServices;
  db: Pick<DbClient, 'ping'>;
  logger: Logger;
  corsOrigins: string[];
  bodyLimit: string;
  /** Express `trust proxy` (validated by env.ts: false, a hop count, or proxy addresses). */
  trustProxy: boolean | number | string;
  /** Turned off during shutdown so load balancers stop routing here. */
  isReady?: () => boolean;
  version?: string;
  /** The queue dashboard (bull-board, admins only), mounted at /admin/queues. */
  queueDashboard?: express.Router;
  /** The public base URL (NOTIFICATIONS_BASE_URL): absolute links of the public pages, feeds and the Statuspage API. */
  publicBaseUrl?: string;
}

const extraPaths = {
  '/healthz': {
    get: {
      operationId: 'healthz',
      summary: 'Liveness probe',
      responses: {
        '200': { description: 'OK', content: { 'text/plain': { schema: { type: 'string', example: 'OK' } } } },
      },
    },
  },
  '/readyz': {
    get: {
      operationId: 'readyz',
      summary: 'Readiness probe: the database answers',
      responses: {
        '200': { description: 'Ready', content: { 'text/plain': { schema: { type: 'string', example: 'OK' } } } },
        '503': { description: 'Not ready' },
      },
    },
  },
};

/** The OpenAPI document generated from the routers (what /api/openapi.json serves). */
export function buildOpenApiDocument(version = '0.1.0') {
  const syndication = syndicationDocument();
  return generateRestDocument(appRouter, {
    title: 'StatusPage API',
    version,
    description:
      'Status page and incident communication. Success bodies are {"data": …}; errors are {"error": {"message", "details"}}.',
    baseUrl: '/',
    extraPaths: { ...extraPaths, ...syndication.paths },
    extraSchemas: syndication.schemas,
  });
}

const errorBody = (message: string) => ({ error: { message } });

/** The request id of a request: a well-formed incoming X-Request-Id, else a new one (the public cache uses it too). */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
}

/**
 * Keeps only the X-Forwarded-For entries a proxy could have written: those to
 * the right of the last one that is not an IP address. Proxies append the
 * address they saw, so anything left of a malformed entry came from the
 * client; this way `req.ip` (the rate limits' key) is always an address,
 * never a string a client chose.
 */
export const keepForwardedAddresses: express.RequestHandler = (req, _res, next) => {
  const header = req.headers['x-forwarded-for'];
  if (header !== undefined) {
    const entries = (Array.isArray(header) ? header.join(',') : header).split(',').map((entry) => entry.trim());
    let start = entries.length;
    while (start > 0 && isIP(entries[start - 1] ?? '') !== 0) start -= 1;
    const kept = entries.slice(start);
    if (kept.length > 0) req.headers['x-forwarded-for'] = kept.join(', ');
    else delete req.headers['x-forwarded-for'];
  }
  next();
};

/** CORS with credentials for the configured origins (the public cache computes its headers with the same). */
export function corsMiddleware(origins: string[]) {
  return cors({ origin: origins, credentials: true });
}

/** Builds the Express application (no listening; main.ts and the tests do that). */
export function createApp(options: AppOptions) {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy);
  app.use(keepForwardedAddresses);
  app.use(
    pinoHttp({
      logger: options.logger,
      genReqId: (req, res) => {
        const id = requestIdOf(req);
        res.setHeader('X-Request-Id', id);
        return id;
      },
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
      // pino-http brings its own `err` serializer: ours keeps SQL parameters out of the log.
      // Unsubscribe links, reset links and codes travel in query strings: never log their values.
      serializers: { err: serializeError, req: serializeRequest },
    }),
  );
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // The docs page (swagger-ui) needs inline styles and data: images.
          'style-src': ["'self'", "'unsafe-inline'"],
          'img-src': ["'self'", 'data:'],
        },
      },
    }),
  );
  // Feeds, calendars, badges and the Statuspage API are readable from any origin, without credentials.
  app.use(
    createSyndicationRouter(options.services.core, { baseUrl: options.publicBaseUrl ?? 'http://localhost:8080' }),
  );
  app.use(corsMiddleware(options.corsOrigins));
  app.use(...jsonBody({ limit: options.bodyLimit }));

  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('OK');
  });
  app.get('/readyz', async (_req, res) => {
    if (options.isReady && !options.isReady()) {
      res.status(503).type('text/plain').send('shutting down');
      return;
    }
    try {
      await Promise.race([
        options.db.ping(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('database ping timed out')), 2000).unref()),
      ]);
      res.type('text/plain').send('OK');
    } catch {
      res.status(503).type('text/plain').send('database unavailable');
    }
  });

  let document: ReturnType<typeof buildOpenApiDocument> | undefined;
  const getDocument = () => {
    document ??= buildOpenApiDocument(options.version);
    return document;
  };
  app.get('/api/openapi.json', (_req, res) => {
    res.json(getDocument());
  });
  app.get('/api/openapi.yaml', (_req, res) => {
    res.type('application/yaml').send(stringify(getDocument()));
  });
  app.use('/docs', swaggerUi.serve, (req: Request, res: express.Response, next: express.NextFunction) =>
    swaggerUi.setup(undefined, { swaggerOptions: { url: '/api/openapi.json', withCredentials: true } })(req, res, next),
  );

  app.use(createUnsubscribeRouter(options.services.core));
  if (options.queueDashboard) app.use(QUEUE_DASHBOARD_PATH, options.queueDashboard);
  const pages = createPages({
    core: options.services.core,
    baseUrl: options.publicBaseUrl ?? 'http://localhost:8080',
    rateLimiter: options.services.rateLimiter,
  });
  app.use(pages.router);

  const createContext = createContextFactory(options.services);
  const onError = ({
    error,
    path,
    req,
  }: {
    error: Error & { code?: string };
    path: string | undefined;
    req: Request;
  }) => {
    if (error.code === 'INTERNAL_SERVER_ERROR') {
      req.log.error({ err: error.cause ?? error, procedure: path }, 'unhandled error in procedure');
    }
  };
  app.use(
    '/trpc',
    trpcGuard(),
    createExpressMiddleware({
      router: appRouter,
      maxBatchSize: TRPC_MAX_BATCH_SIZE,
      // express.json has read JSON bodies already; anything the adapter would still read is bounded the same.
      maxBodySize: bytes.parse(options.bodyLimit) ?? undefined,
      createContext: ({ req, res }) => createContext({ req, res }),
      onError: ({ error, path, req }) => onError({ error, path, req: req as Request }),
    }),
  );

  const rest = createRestMiddleware({ router: appRouter, createContext, onError });
  app.use((req, res, next) => {
    if (req.path.startsWith('/api/v1/')) {
      rest(req, res, next);
      return;
    }
    next();
  });

  app.use((req, res, next) => {
    // A browser gets the HTML 404 page; API clients the error envelope.
    if ((req.method === 'GET' || req.method === 'HEAD') && wantsHtml(req)) {
      pages.notFound(req, res, next);
      return;
    }
    res.status(404).json(errorBody('not found'));
  });
  const handleError: ErrorRequestHandler = (error, req, res, _next) => {
    const status = typeof error?.status === 'number' ? error.status : 500;
    if (error?.type === 'entity.parse.failed') {
      // The body parser runs before routing: ask the adapter how this operation reports details.
      const details =
        rest.detailsFormatFor(req.method, req.path) === 'string'
          ? 'body: malformed JSON'
          : [{ field: 'body', message: 'malformed JSON' }];
      res.status(400).json({ error: { message: 'malformed JSON body', details } });
      return;
    }
    if (error?.type === 'entity.too.large') {
      res.status(413).json(errorBody('request body too large'));
      return;
    }
    if (status >= 400 && status < 500) {
      res.status(status).json(errorBody(error.expose ? String(error.message) : 'bad request'));
      return;
    }
    req.log?.error({ err: error }, 'unhandled error');
    res.status(500).json(errorBody('internal error'));
  };
  app.use(handleError);
  return app;
}
