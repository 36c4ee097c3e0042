import {
  ChannelIdInput,
  ChannelResponse,
  ChannelSubscriptionsResponse,
  ChannelsResponse,
  CreateChannelInput,
  MessageDataResponse,
  SetChannelSubscriptionsInput,
  SubscriptionsMatrixResponse,
  UpdateChannelInput,
  VerifyChannelInput,
} from '@statuspage/contracts';
import { z } from 'zod';
import { router, userProcedure } from '../trpc/init';

const tags = ['channels'];

export const channelsRouter = router({
  list: userProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/api/v1/me/channels',
        operationId: 'listMyChannels',
        tags,
        summary: 'Your notification channels',
      },
    })
    .input(z.void())
    .output(ChannelsResponse)
    .query(async ({ ctx }) => ({ data: await ctx.core.channels.list(ctx.user.id) })),

  create: userProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/me/channels',
        operationId: 'createChannel',
        tags,
        summary: 'Add a channel (an e-mail channel gets a 6-digit code, a webhook its signing secret)',
        errorResponses: [409],
      },
      status: 201,
      invalidatesPublicData: false,
    })
    .input(CreateChannelInput)
    .output(ChannelResponse)
    .mutation(async ({ ctx, input }) => ({ data: await ctx.core.channels.create(ctx.user.id, input) })),

  update: userProcedure
    .meta({
      openapi: {
        method: 'PATCH',
        path: '/api/v1/me/channels/{id}',
        operationId: 'updateChannel',
        tags,
        summary: 'Enable or disable a channel',
      },
      invalidatesPublicData: false,
    })
    .input(UpdateChannelInput)
    .output(ChannelResponse)
    .mutation(async ({ ctx, input }) => ({
      data: await ctx.core.channels.update(ctx.user.id, input.id, { is_enabled: input.is_enabled }),
    })),

  delete: userProcedure
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/api/v1/me/channels/{id}',
        operationId: 'deleteChannel',
        tags,
        summary: 'Delete a channel (not the default e-mail channel)',
        errorResponses: [409],
      },
      status: 204,
      invalidatesPublicData: false,
    })
    .input(ChannelIdInput)
    .output(z.void())
    .mutation(async ({ ctx, input }) => {
      await ctx.core.channels.delete(ctx.user.id, input.id);
    }),

  verify: userProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/me/channels/{id}/verify',
        operationId: 'verifyChannel',
        tags,
        summary: 'Verify a channel',
        description:
          'E-mail: the 6-digit code (expires; too many wrong codes answer 429). Telegram, Mattermost, Slack, Discord, Teams and webhooks: a test message is sent (signed, for a webhook); 422 when it is not answered 2xx (for Telegram: open the bot and press Start).',
        errorResponses: [422, 429],
      },
      rateLimit: { attempts: 'verify_channel', account: 'caller' },
      invalidatesPublicData: false,
    })
    .input(VerifyChannelInput)
    .output(ChannelResponse)
    .mutation(async ({ ctx, input }) => {
      return { data: await ctx.core.channels.verify(ctx.user.id, input.id, input.code) };
    }),

  resendCode: userProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/me/channels/{id}/resend-code',
        operationId: 'resendVerificationCode',
        tags,
        summary: 'Send a new code to an e-mail channel (at most once a minute)',
        errorResponses: [429],
      },
      rateLimit: { attempts: 'verify_channel', account: 'caller' },
      invalidatesPublicData: false,
    })
    .input(ChannelIdInput)
    .output(MessageDataResponse)
    .mutation(async ({ ctx, input }) => {
      await ctx.core.channels.resendCode(ctx.user.id, input.id);
      return { data: { message: 'verification code sent' } };
    }),

  subscriptions: userProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/api/v1/me/subscriptions',
        operationId: 'getSubscriptionsMatrix',
        tags: ['subscriptions'],
        summary: 'Every channel with what it follows',
      },
    })
    .input(z.void())
    .output(SubscriptionsMatrixResponse)
    .query(async ({ ctx }) => ({ data: await ctx.core.subscriptions.matrix(ctx.user.id) })),

  setSubscriptions: userProcedure
    .meta({
      openapi: {
        method: 'PUT',
        path: '/api/v1/me/channels/{id}/subscriptions',
        operationId: 'setChannelSubscriptions',
        tags: ['subscriptions'],
        summary: 'Follow all services or a list (verified channels only)',
      },
      invalidatesPublicData: false,
    })
    .input(SetChannelSubscriptionsInput)
    .output(ChannelSubscriptionsResponse)
    .mutation(async ({ ctx, input }) => ({ data: await ctx.core.subscriptions.set(ctx.user.id, input) })),
});
