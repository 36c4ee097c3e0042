import { PublicStatusResponse } from '@statuspage/contracts';
import { z } from 'zod';
import { publicProcedure, router } from '../trpc/init';

const tags = ['status'];

export const statusRouter = router({
  current: publicProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/api/v1/status',
        operationId: 'getPublicStatus',
        tags,
        summary: 'Events not closed: active ones first, then scheduled maintenance',
      },
      publicCache: 'public',
    })
    .input(z.void())
    .output(PublicStatusResponse)
    .query(async ({ ctx }) => ({ data: { events: await ctx.publicReads.events.publicStatus() } })),

  history: publicProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/api/v1/status/history',
        operationId: 'getStatusHistory',
        tags,
        summary: 'The 50 most recently closed events',
      },
      publicCache: 'public',
    })
    .input(z.void())
    .output(PublicStatusResponse)
    .query(async ({ ctx }) => ({ data: { events: await ctx.publicReads.events.history() } })),
});
