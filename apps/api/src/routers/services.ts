import {
  CreateServiceInput,
  ListServicesInput,
  ServiceEventsInput,
  ServiceEventsResponse,
  ServiceResponse,
  ServiceSlugInput,
  ServiceSlugQuery,
  ServicesResponse,
  StatusLogInput,
  StatusLogResponse,
  TagsResponse,
  UpdateServiceInput,
  UpdateTagsInput,
} from '@statuspage/contracts';
import { z } from 'zod';
import { adminProcedure, operatorProcedure, publicProcedure, router } from '../trpc/init';

const tags = ['services'];

export const servicesRouter = router({
  list: publicProcedure
    .meta({
      openapi: { method: 'GET', path: '/api/v1/services', operationId: 'listServices', tags, summary: 'List services' },
      publicCache: 'public',
    })
    .input(ListServicesInput)
    .output(ServicesResponse)
    .query(async ({ ctx, input }) => ({ data: await ctx.publicReads.services.list(input) })),

  create: adminProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/services',
        operationId: 'createService',
        tags,
        summary: 'Create a service',
        errorResponses: [409],
      },
      status: 201,
    })
    .input(CreateServiceInput)
    .output(ServiceResponse)
    .mutation(async ({ ctx, input }) => ({ data: await ctx.core.services.create(ctx.user.id, input) })),

  get: publicProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/api/v1/services/{slug}',
        operationId: 'getService',
        tags,
        summary: 'Get a service',
      },
      publicCache: 'public',
    })
    .input(ServiceSlugQuery)
    .output(ServiceResponse)
    .query(async ({ ctx, input }) => ({ data: await ctx.publicReads.services.get(input.slug) })),

  update: adminProcedure
    .meta({
      openapi: {
        method: 'PATCH',
        path: '/api/v1/services/{slug}',
        operationId: 'updateService',
        tags,
        summary: 'Update a service (a status change is logged)',
        errorResponses: [409],
      },
      bodyAliases: { slug: 'new_slug' },
    })
    .input(UpdateServiceInput)
    .output(ServiceResponse)
    .mutation(async ({ ctx, input }) => ({ data: await ctx.core.services.update(ctx.user.id, input) })),

  archive: adminProcedure
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/api/v1/services/{slug}',
        operationId: 'deleteService',
        tags,
        summary: 'Archive a service',
        description: 'Refused with 409 while the service is in an active event.',
        errorResponses: [409],
      },
      status: 204,
    })
    .input(ServiceSlugInput)
    .output(z.void())
    .mutation(async ({ ctx, input }) => {
      await ctx.core.services.archive(input.slug);
    }),

  restore: adminProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/services/{slug}/restore',
        operationId: 'restoreService',
        tags,
        summary: 'Restore an archived service',
        errorResponses: [409],
      },
    })
    .input(ServiceSlugInput)
    .output(ServiceResponse)
    .mutation(async ({ ctx, input }) => ({ data: await ctx.core.services.restore(input.slug) })),

  statusLog: operatorProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/api/v1/services/{slug}/status-log',
        operationId: 'getServiceStatusLog',
        tags,
        summary: 'Status change history of a service',
      },
    })
    .input(StatusLogInput)
    .output(StatusLogResponse)
    .query(async ({ ctx, input }) => ({
      data: await ctx.core.services.statusLog(input.slug, { limit: input.limit, offset: input.offset }),
    })),

  events: publicProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/api/v1/services/{slug}/events',
        operationId: 'getServiceEvents',
        tags,
        summary: 'Events of a service: active first, then newest',
      },
    })
    .input(ServiceEventsInput)
    .output(ServiceEventsResponse)
    .query(async ({ ctx, input }) => ({
      data: await ctx.core.events.forService(input.slug, {
        status: input.status,
        limit: input.limit,
        offset: input.offset,
      }),
    })),

  getTags: publicProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/api/v1/services/{slug}/tags',
        operationId: 'getServiceTags',
        tags,
        summary: 'Tags of a service',
      },
    })
    .input(ServiceSlugQuery)
    .output(TagsResponse)
    .query(async ({ ctx, input }) => ({ data: { tags: await ctx.core.services.getTags(input.slug) } })),

  setTags: adminProcedure
    .meta({
      openapi: {
        method: 'PUT',
        path: '/api/v1/services/{slug}/tags',
        operationId: 'updateServiceTags',
        tags,
        summary: 'Replace the tags of a service',
      },
    })
    .input(UpdateTagsInput)
    .output(TagsResponse)
    .mutation(async ({ ctx, input }) => ({ data: { tags: await ctx.core.services.setTags(input.slug, input.tags) } })),
});
