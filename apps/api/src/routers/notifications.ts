import {
  DeliveriesResponse,
  DeliveryIdInput,
  DeliveryResponse,
  ListDeliveriesInput,
  NotificationsConfigResponse,
} from '@statuspage/contracts';
import { z } from 'zod';
import { adminProcedure, publicProcedure, router } from '../trpc/init';

export const notificationsRouter = router({
  config: publicProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/api/v1/notifications/config',
        operationId: 'getNotificationsConfig',
        tags: ['notifications'],
        summary: 'Channel types this server delivers to',
      },
    })
    .input(z.void())
    .output(NotificationsConfigResponse)
    .query(({ ctx }) => ({ data: ctx.core.notificationsConfig() })),

  deliveries: adminProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/api/v1/admin/notifications/deliveries',
        operationId: 'listNotificationDeliveries',
        tags: ['notifications'],
        summary: 'Deliveries with their state, attempts and last error',
      },
    })
    .input(ListDeliveriesInput)
    .output(DeliveriesResponse)
    .query(async ({ ctx, input }) => ({ data: await ctx.core.deliveries.list(input) })),

  retryDelivery: adminProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/admin/notifications/deliveries/{id}/retry',
        operationId: 'retryNotificationDelivery',
        tags: ['notifications'],
        summary: 'Send a failed delivery again',
        errorResponses: [409],
      },
      invalidatesPublicData: false,
    })
    .input(DeliveryIdInput)
    .output(DeliveryResponse)
    .mutation(async ({ ctx, input }) => ({ data: await ctx.core.deliveries.retry(input.id) })),
});
