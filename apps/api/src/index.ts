export { type AppOptions, buildOpenApiDocument, createApp } from './app';
export { type ClientRouter, clientRouter } from './client-router';
export { type Env, loadEnv } from './env';
export { listProcedures } from './http/rest';
export { type AppRouter, appRouter } from './routers';
