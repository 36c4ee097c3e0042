/**
 * The one module that knows trpc-to-openapi (pinned exactly in package.json):
 * procedure meta (meta.ts), the REST handler (middleware.ts) and the OpenAPI
 * document (document.ts).
 */
export { type DocumentOptions, generateRestDocument } from './document';
export {
  listProcedures,
  type OpenApiMeta,
  type OpenApiRouter,
  type ProcedureInfo,
  type PublicCacheRules,
  type RateLimitAccount,
  type RateLimitPolicy,
  type RestExtras,
  type RestMeta,
  routeTemplatePattern,
  routeTemplateSource,
} from './meta';
export { createRestMiddleware, type RestMiddleware, type RestMiddlewareOptions } from './middleware';
