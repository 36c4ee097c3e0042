import {
  CreateGroupInput,
  GroupResponse,
  GroupSlugInput,
  GroupSlugQuery,
  GroupsResponse,
  ListGroupsInput,
  UpdateGroupInput,
} from '@statuspage/contracts';
import { z } from 'zod';
import { adminProcedure, publicProcedure, router } from '../trpc/init';

const tags = ['groups'];

export const groupsRouter = router({
  list: publicProcedure
    .meta({
      openapi: { method: 'GET', path: '/api/v1/groups', operationId: 'listGroups', tags, summary: 'List groups' },
      publicCache: 'public',
    })
    .input(ListGroupsInput)
    .output(GroupsResponse)
    .query(async ({ ctx, input }) => ({ data: await ctx.publicReads.groups.list(input) })),

  create: adminProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/groups',
        operationId: 'createGroup',
        tags,
        summary: 'Create a group',
        errorResponses: [409],
      },
      status: 201,
    })
    .input(CreateGroupInput)
    .output(GroupResponse)
    .mutation(async ({ ctx, input }) => ({ data: await ctx.core.groups.create(input) })),

  get: publicProcedure
    .meta({
      openapi: { method: 'GET', path: '/api/v1/groups/{slug}', operationId: 'getGroup', tags, summary: 'Get a group' },
      publicCache: 'public',
    })
    .input(GroupSlugQuery)
    .output(GroupResponse)
    .query(async ({ ctx, input }) => ({ data: await ctx.publicReads.groups.get(input.slug) })),

  update: adminProcedure
    .meta({
      openapi: {
        method: 'PATCH',
        path: '/api/v1/groups/{slug}',
        operationId: 'updateGroup',
        tags,
        summary: 'Update a group (service_ids replaces its members)',
        errorResponses: [409],
      },
      bodyAliases: { slug: 'new_slug' },
    })
    .input(UpdateGroupInput)
    .output(GroupResponse)
    .mutation(async ({ ctx, input }) => ({ data: await ctx.core.groups.update(input) })),

  archive: adminProcedure
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/api/v1/groups/{slug}',
        operationId: 'deleteGroup',
        tags,
        summary: 'Archive a group',
        description: 'Refused with 409 while the group has services that are not archived or in an active event.',
        errorResponses: [409],
      },
      status: 204,
    })
    .input(GroupSlugInput)
    .output(z.void())
    .mutation(async ({ ctx, input }) => {
      await ctx.core.groups.archive(input.slug);
    }),

  restore: adminProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/groups/{slug}/restore',
        operationId: 'restoreGroup',
        tags,
        summary: 'Restore an archived group',
        errorResponses: [409],
      },
    })
    .input(GroupSlugInput)
    .output(GroupResponse)
    .mutation(async ({ ctx, input }) => ({ data: await ctx.core.groups.restore(input.slug) })),
});
