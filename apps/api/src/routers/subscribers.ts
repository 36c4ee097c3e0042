import {
  ConfirmedSubscriptionResponse,
  ConfirmSubscriberInput,
  CreateSubscriberInput,
  ExportSubscribersInput,
  ImportSubscribersInput,
  ImportSubscribersResponse,
  ListSubscribersInput,
  ManageTokenInput,
  SubscribeResponse,
  SubscriberChannelIdInput,
  SubscriberCountsResponse,
  SubscribersCsvResponse,
  SubscribersResponse,
  SubscriptionResponse,
  UnsubscribeSubscriberInput,
  UpdateSubscriptionInput,
} from '@statuspage/contracts';
import { z } from 'zod';
import { adminProcedure, publicProcedure, router } from '../trpc/init';

const tags = ['subscribers'];
/** Links from e-mails: per ip, and per token (its hash: the limiter never keeps a usable one). */
const linkLimit = { attempts: 'subscriber_link', account: { hashedField: 'token' } } as const;

export const subscribersRouter = router({
  subscribe: publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/subscribers',
        operationId: 'createSubscriber',
        tags,
        summary:
          'Subscribe an e-mail address, or a webhook, Slack, Discord or Teams URL, without an account (double opt-in)',
        description:
          'Answers the same whether the address is new, pending or confirmed: a new address gets a confirmation e-mail (its link works once, for 24 h), a pending one a new confirmation, a confirmed one a link to manage its subscription — at most one e-mail per address per SUBSCRIBERS_MAIL_COOLDOWN. With `destination`, the notifications go to that URL (one subscriber per URL) and `email` is its contact address: the confirmation goes there, nothing goes to the URL before it is confirmed; a URL on a private or local network (unless allowed) or of a disabled type is refused (400). `website` is a honeypot: leave it empty.',
      },
      rateLimit: { attempts: 'subscribe', account: { field: 'email' } },
      invalidatesPublicData: false,
    })
    .input(CreateSubscriberInput)
    .output(SubscribeResponse)
    .mutation(async ({ ctx, input }) => ({
      data: { message: await ctx.core.subscribers.subscribe(input, ctx.ip) },
    })),

  confirm: publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/subscribers/confirm',
        operationId: 'confirmSubscriber',
        tags,
        summary: 'Confirm a subscription by the token of its confirmation e-mail',
        description:
          "The token works once, for 24 hours. Answers the subscription and the token of its manage link, and a webhook subscriber's signing secret (only here). A URL subscriber's destination must first answer a test message with a 2xx: if it does not, 422 and nothing changes (the token keeps working).",
        errorResponses: [404, 422],
      },
      rateLimit: linkLimit,
      invalidatesPublicData: false,
    })
    .input(ConfirmSubscriberInput)
    .output(ConfirmedSubscriptionResponse)
    .mutation(async ({ ctx, input }) => ({ data: await ctx.core.subscribers.confirm(input.token) })),

  get: publicProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/api/v1/subscribers/manage',
        operationId: 'getSubscription',
        tags,
        summary: 'The subscription a manage link names',
        errorResponses: [404],
      },
      rateLimit: linkLimit,
    })
    .input(ManageTokenInput)
    .output(SubscriptionResponse)
    .query(async ({ ctx, input }) => ({ data: await ctx.core.subscribers.get(input.token) })),

  update: publicProcedure
    .meta({
      openapi: {
        method: 'PUT',
        path: '/api/v1/subscribers/manage',
        operationId: 'updateSubscription',
        tags,
        summary: 'Change what a subscription follows, by its manage link',
        errorResponses: [404],
      },
      rateLimit: linkLimit,
      invalidatesPublicData: false,
    })
    .input(UpdateSubscriptionInput)
    .output(SubscriptionResponse)
    .mutation(async ({ ctx, input }) => ({ data: await ctx.core.subscribers.update(input.token, input) })),

  unsubscribe: publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/subscribers/unsubscribe',
        operationId: 'unsubscribeSubscriber',
        tags,
        summary: 'Unsubscribe by the manage link (the subscriber is deleted; the link stops working)',
        errorResponses: [404],
      },
      rateLimit: linkLimit,
      invalidatesPublicData: false,
      status: 204,
    })
    .input(UnsubscribeSubscriberInput)
    .output(z.void())
    .mutation(async ({ ctx, input }) => {
      await ctx.core.subscribers.unsubscribe(input.token);
    }),

  list: adminProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/api/v1/admin/subscribers',
        operationId: 'listSubscribers',
        tags,
        summary: 'Everyone who receives notifications: account channels and account-less subscribers',
      },
    })
    .input(ListSubscribersInput)
    .output(SubscribersResponse)
    .query(async ({ ctx, input }) => ({ data: await ctx.core.subscriberAdmin.list(input) })),

  counts: adminProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/api/v1/admin/subscribers/counts',
        operationId: 'countSubscribers',
        tags,
        summary: 'How many receivers each service has',
      },
    })
    .input(z.void())
    .output(SubscriberCountsResponse)
    .query(async ({ ctx }) => ({ data: await ctx.core.subscriberAdmin.counts() })),

  export: adminProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/api/v1/admin/subscribers/export',
        operationId: 'exportSubscribers',
        tags,
        summary: 'The account-less subscribers as CSV (importable again)',
      },
    })
    .input(ExportSubscribersInput)
    .output(SubscribersCsvResponse)
    .query(async ({ ctx, input }) => ({ data: await ctx.core.subscriberAdmin.export(input.include_pending) })),

  import: adminProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/admin/subscribers/import',
        operationId: 'importSubscribers',
        tags,
        summary:
          'Import a CSV of addresses as confirmed subscribers (Statuspage export accepted); dry_run writes nothing',
      },
      invalidatesPublicData: false,
    })
    .input(ImportSubscribersInput)
    .output(ImportSubscribersResponse)
    .mutation(async ({ ctx, input }) => ({
      data: await ctx.core.subscriberAdmin.import(input.csv, input.dry_run),
    })),

  remove: adminProcedure
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/api/v1/admin/subscribers/{id}',
        operationId: 'deleteSubscriber',
        tags,
        summary: 'Remove an account-less subscriber (by its channel id)',
        errorResponses: [404, 409],
      },
      invalidatesPublicData: false,
      status: 204,
    })
    .input(SubscriberChannelIdInput)
    .output(z.void())
    .mutation(async ({ ctx, input }) => {
      await ctx.core.subscriberAdmin.remove(input.id);
    }),
});
