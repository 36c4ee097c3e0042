import {
  ApiKeyIdInput,
  ApiKeyResponse,
  ApiKeysListResponse,
  CreateApiKeyInput,
  CreatedApiKeyResponse,
} from '@statuspage/contracts';
import { z } from 'zod';
import { operatorProcedure, router } from '../trpc/init';

const tags = ['keys'];
// Keys are credentials, not public data: writing them never clears the public cache.
const noPublicData = { invalidatesPublicData: false } as const;

/** API keys (docs/api/09-keys.md): admins see and revoke every key, operators their own. */
export const keysRouter = router({
  list: operatorProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/api/v1/keys',
        operationId: 'listApiKeys',
        tags,
        summary: 'List API keys (admins: every key; operators: their own)',
      },
    })
    .input(z.object({}))
    .output(ApiKeysListResponse)
    .query(async ({ ctx }) => ({ data: await ctx.core.apiKeys.list(ctx.user) })),

  create: operatorProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/keys',
        operationId: 'createApiKey',
        tags,
        summary: 'Create an API key (its secret is shown only in this answer)',
        description:
          'The key has at most the role of its creator (an operator cannot create an admin key; a key cannot ' +
          'create a key above its own role: 403). `expires_at` must be in the future; a key created with a key ' +
          'expires no later than that key.',
      },
      status: 201,
      ...noPublicData,
    })
    .input(CreateApiKeyInput)
    .output(CreatedApiKeyResponse)
    .mutation(async ({ ctx, input }) => ({
      data: await ctx.core.apiKeys.create({ ...ctx.user, apiKeyId: ctx.apiKeyId }, input),
    })),

  get: operatorProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/api/v1/keys/{id}',
        operationId: 'getApiKey',
        tags,
        summary: 'Get an API key (never its secret)',
      },
    })
    .input(ApiKeyIdInput)
    .output(ApiKeyResponse)
    .query(async ({ ctx, input }) => ({ data: await ctx.core.apiKeys.get(ctx.user, input.id) })),

  revoke: operatorProcedure
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/api/v1/keys/{id}',
        operationId: 'revokeApiKey',
        tags,
        summary: 'Revoke an API key (it stops working at once)',
      },
      status: 204,
      ...noPublicData,
    })
    .input(ApiKeyIdInput)
    .output(z.void())
    .mutation(async ({ ctx, input }) => {
      await ctx.core.apiKeys.revoke(ctx.user, input.id);
    }),
});
