/**
 * The router's type as the client sees it. In the workspace it comes from the
 * api's source; the published declarations replace this file with a
 * self-contained copy (scripts/build-types.ts), so the SDK's consumers need
 * nothing but `@trpc/client` and `@trpc/server`.
 */
export type { ClientRouter as AppRouter } from '@statuspage/api';
