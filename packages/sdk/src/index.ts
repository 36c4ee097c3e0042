export {
  type AppRouter,
  createStatusPageClient,
  type StatusPageClient,
  type StatusPageClientOptions,
  type StatusPageHelpers,
  type TokenPair,
} from './client';
export { type ErrorEnvelope, type FieldError, StatusPageError, toStatusPageError } from './errors';
