import {
  CreateTemplateInput,
  PreviewTemplateInput,
  PreviewTemplateResponse,
  TemplateIdInput,
  TemplateResponse,
  TemplateSlugQuery,
  TemplatesResponse,
} from '@statuspage/contracts';
import { z } from 'zod';
import { adminProcedure, operatorProcedure, router } from '../trpc/init';

const tags = ['templates'];

export const templatesRouter = router({
  list: operatorProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/api/v1/templates',
        operationId: 'listTemplates',
        tags,
        summary: 'List templates',
      },
    })
    .input(z.object({}))
    .output(TemplatesResponse)
    .query(async ({ ctx }) => ({ data: await ctx.core.templates.list() })),

  create: adminProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/templates',
        operationId: 'createTemplate',
        tags,
        summary: 'Create a template',
        description:
          'Title and body may use the macros {{.ServiceName}}, {{.ServiceGroupName}}, {{.StartedAt}}, ' +
          '{{.ResolvedAt}}, {{.ScheduledStart}} and {{.ScheduledEnd}}; any other action or broken syntax is a 400.',
        errorResponses: [409],
      },
      status: 201,
    })
    .input(CreateTemplateInput)
    .output(TemplateResponse)
    .mutation(async ({ ctx, input }) => ({ data: await ctx.core.templates.create(input) })),

  get: operatorProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/api/v1/templates/{slug}',
        operationId: 'getTemplate',
        tags,
        summary: 'Get a template',
      },
    })
    .input(TemplateSlugQuery)
    .output(TemplateResponse)
    .query(async ({ ctx, input }) => ({ data: await ctx.core.templates.get(input.slug) })),

  preview: operatorProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/templates/{slug}/preview',
        operationId: 'previewTemplate',
        tags,
        summary: 'Preview a template',
        description: 'Renders the template with the given values; sample values stand in for those left out.',
      },
    })
    .input(PreviewTemplateInput)
    .output(PreviewTemplateResponse)
    .mutation(async ({ ctx, input }) => ({ data: await ctx.core.templates.preview(input) })),

  delete: adminProcedure
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/api/v1/templates/{id}',
        operationId: 'deleteTemplate',
        tags,
        summary: 'Delete a template',
      },
      status: 204,
    })
    .input(TemplateIdInput)
    .output(z.void())
    .mutation(async ({ ctx, input }) => {
      await ctx.core.templates.delete(input.id);
    }),
});
