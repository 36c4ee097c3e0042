import {
  AddEventUpdateInput,
  CreateEventInput,
  EventDetailResponse,
  EventIdInput,
  EventIdQuery,
  EventResponse,
  EventServiceChangesResponse,
  EventsResponse,
  EventUpdateResponse,
  EventUpdatesResponse,
  ListEventsInput,
  UpdateEventInput,
} from '@statuspage/contracts';
import { z } from 'zod';
import { adminProcedure, operatorProcedure, publicProcedure, router } from '../trpc/init';

const tags = ['events'];

export const eventsRouter = router({
  list: publicProcedure
    .meta({
      openapi: { method: 'GET', path: '/api/v1/events', operationId: 'listEvents', tags, summary: 'List events' },
      publicCache: 'public',
    })
    .input(ListEventsInput)
    .output(EventsResponse)
    .query(async ({ ctx, input }) => ({ data: await ctx.publicReads.events.list(input) })),

  create: operatorProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/events',
        operationId: 'createEvent',
        tags,
        summary: 'Open an incident or a maintenance',
        description:
          'affected_services give each service its status; affected_groups give all services of a group one status (expanded now; an explicit service status wins). started_at and resolved_at create a past, already resolved event.',
      },
      status: 201,
    })
    .input(CreateEventInput)
    .output(EventResponse)
    .mutation(async ({ ctx, input }) => ({ data: await ctx.core.events.create(ctx.user.id, input) })),

  get: publicProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/api/v1/events/{id}',
        operationId: 'getEvent',
        tags,
        summary: 'An event with its timeline',
      },
      publicCache: 'public',
    })
    .input(EventIdQuery)
    .output(EventDetailResponse)
    .query(async ({ ctx, input }) => ({ data: await ctx.publicReads.events.get(input.id) })),

  update: operatorProcedure
    .meta({
      openapi: {
        method: 'PATCH',
        path: '/api/v1/events/{id}',
        operationId: 'updateEvent',
        tags,
        summary: 'Change an open event: title, description, scheduled times',
        description:
          'Not in the contract (an extra operation). Scheduled times apply to maintenance only (end after start); a scheduled maintenance has its automatic start, completion and reminder moved, an in-progress one its completion. Closed events answer 409.',
        errorResponses: [409],
      },
    })
    .input(UpdateEventInput)
    .output(EventResponse)
    .mutation(async ({ ctx, input }) => ({ data: await ctx.core.events.update(input) })),

  delete: adminProcedure
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/api/v1/events/{id}',
        operationId: 'deleteEvent',
        tags,
        summary: 'Delete an event that is not active',
        description:
          'Deletes a resolved/completed event (or a maintenance that has not started) with its updates, links, change history and status-log entries. Active events answer 409.',
        errorResponses: [409],
      },
      status: 204,
    })
    .input(EventIdInput)
    .output(z.void())
    .mutation(async ({ ctx, input }) => {
      await ctx.core.events.delete(input.id);
    }),

  listUpdates: publicProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/api/v1/events/{id}/updates',
        operationId: 'listEventUpdates',
        tags,
        summary: 'Timeline of an event, newest first',
      },
    })
    .input(EventIdQuery)
    .output(EventUpdatesResponse)
    .query(async ({ ctx, input }) => ({ data: await ctx.core.events.listUpdates(input.id) })),

  addUpdate: operatorProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/events/{id}/updates',
        operationId: 'addEventUpdate',
        tags,
        summary: 'Post an update, optionally changing the services',
        description:
          'service_updates, add_services, add_groups and remove_service_ids change the event in the same transaction, recorded as one batch. Resolving or completing returns services without another active event to operational. Closed events answer 409.',
        errorResponses: [409],
      },
      status: 201,
    })
    .input(AddEventUpdateInput)
    .output(EventUpdateResponse)
    .mutation(async ({ ctx, input }) => ({ data: await ctx.core.events.addUpdate(ctx.user.id, input) })),

  listChanges: publicProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/api/v1/events/{id}/changes',
        operationId: 'getEventServiceChanges',
        tags,
        summary: 'Services and groups added to or removed from an event, oldest first',
      },
    })
    .input(EventIdQuery)
    .output(EventServiceChangesResponse)
    .query(async ({ ctx, input }) => ({ data: await ctx.core.events.listChanges(input.id) })),
});
