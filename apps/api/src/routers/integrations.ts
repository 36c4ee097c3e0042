import {
  AlertmanagerWebhookInput,
  AlertsReceivedResponse,
  CreateIntegrationInput,
  GenericWebhookInput,
  GrafanaWebhookInput,
  IntegrationIdInput,
  IntegrationResponse,
  IntegrationsListResponse,
  IntegrationWithSecretResponse,
  UpdateIntegrationInput,
} from '@statuspage/contracts';
import { type AlertDelivery, withAuditActor } from '@statuspage/core';
import { z } from 'zod';
import type { Context } from '../trpc/context';
import { readCredentials } from '../trpc/context';
import { adminProcedure, publicProcedure, router } from '../trpc/init';

const tags = ['integrations'];
// Integrations are configuration, not public data: managing them never clears the public cache.
const noPublicData = { invalidatesPublicData: false } as const;
// Each endpoint has its own budget per client ip, counted before the secret is checked.
const receiving = { rateLimit: { budget: 'integration', account: { field: 'id' } } } as const;

/**
 * The secret a monitoring system sent: `Authorization: Bearer …`, else the `token` query
 * parameter (for senders that cannot set headers; the request log redacts it, logger.ts).
 */
function presentedSecret(ctx: Context): string | null {
  const bearer = readCredentials(ctx.req.headers, {});
  if (bearer) return bearer.token;
  const token = ctx.req.query?.token;
  return typeof token === 'string' && token.length > 0 && token.length <= 200 ? token : null;
}

async function receive(ctx: Context, id: string, delivery: AlertDelivery) {
  // What a payload changes is the integration's doing (the secret proves it; a wrong one changes nothing).
  const outcome = await withAuditActor({ type: 'integration', id }, () =>
    ctx.core.integrations.receive(id, presentedSecret(ctx), delivery),
  );
  ctx.alertMetrics.record(outcome);
  const { integration_id: _, ...data } = outcome;
  return { data };
}

const receiveDescription =
  'Authenticated by the integration secret (`Authorization: Bearer <secret>` or `?token=<secret>`); an ' +
  'unknown integration answers 401 like a wrong secret. Answers 200 once every change is committed (5xx ' +
  'otherwise, so the sender retries); a resend of known alerts changes nothing. See docs/api/10-alerts.md.';

/** Integrations (docs/api/10-alerts.md): admins manage them; monitoring systems post alerts to their endpoints. */
export const integrationsRouter = router({
  list: adminProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/api/v1/integrations',
        operationId: 'listIntegrations',
        tags,
        summary: 'List integrations',
      },
    })
    .input(z.object({}))
    .output(IntegrationsListResponse)
    .query(async ({ ctx }) => ({ data: await ctx.core.integrations.list() })),

  create: adminProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/integrations',
        operationId: 'createIntegration',
        tags,
        summary: 'Create an integration (its secret is shown only in this answer)',
      },
      status: 201,
      ...noPublicData,
    })
    .input(CreateIntegrationInput)
    .output(IntegrationWithSecretResponse)
    .mutation(async ({ ctx, input }) => ({ data: await ctx.core.integrations.create(ctx.user.id, input) })),

  get: adminProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/api/v1/integrations/{id}',
        operationId: 'getIntegration',
        tags,
        summary: 'Get an integration (never its secret)',
      },
    })
    .input(IntegrationIdInput)
    .output(IntegrationResponse)
    .query(async ({ ctx, input }) => ({ data: await ctx.core.integrations.get(input.id) })),

  update: adminProcedure
    .meta({
      openapi: {
        method: 'PATCH',
        path: '/api/v1/integrations/{id}',
        operationId: 'updateIntegration',
        tags,
        summary: "Change an integration's name or mapping (not its kind or secret)",
      },
      ...noPublicData,
    })
    .input(UpdateIntegrationInput)
    .output(IntegrationResponse)
    .mutation(async ({ ctx, input }) => ({ data: await ctx.core.integrations.update(input) })),

  rotateSecret: adminProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/integrations/{id}/rotate-secret',
        operationId: 'rotateIntegrationSecret',
        tags,
        summary: 'Replace the secret (the old one stops working at once; the new one is shown only here)',
      },
      ...noPublicData,
    })
    .input(IntegrationIdInput)
    .output(IntegrationWithSecretResponse)
    .mutation(async ({ ctx, input }) => ({ data: await ctx.core.integrations.rotateSecret(input.id) })),

  delete: adminProcedure
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/api/v1/integrations/{id}',
        operationId: 'deleteIntegration',
        tags,
        summary: 'Delete an integration and its alerts (statuses and incidents it set stay)',
      },
      status: 204,
      ...noPublicData,
    })
    .input(IntegrationIdInput)
    .output(z.void())
    .mutation(async ({ ctx, input }) => {
      await ctx.core.integrations.delete(input.id);
    }),

  receiveAlertmanager: publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/integrations/{id}/alertmanager',
        operationId: 'receiveAlertmanagerAlerts',
        tags,
        summary: 'Receive a Prometheus Alertmanager webhook (payload version 4)',
        description: receiveDescription,
        errorResponses: [401],
      },
      ...receiving,
    })
    .input(AlertmanagerWebhookInput)
    .output(AlertsReceivedResponse)
    .mutation(({ ctx, input }) => receive(ctx, input.id, { endpoint: 'alertmanager', payload: input })),

  receiveGrafana: publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/integrations/{id}/grafana',
        operationId: 'receiveGrafanaAlerts',
        tags,
        summary: "Receive a Grafana webhook contact point's notification",
        description: receiveDescription,
        errorResponses: [401],
      },
      ...receiving,
    })
    .input(GrafanaWebhookInput)
    .output(AlertsReceivedResponse)
    .mutation(({ ctx, input }) => receive(ctx, input.id, { endpoint: 'grafana', payload: input })),

  receiveGeneric: publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/integrations/{id}/generic',
        operationId: 'receiveGenericAlert',
        tags,
        summary: 'Set a service status from any script: `{service, status, message}` (operational clears it)',
        description: receiveDescription,
        errorResponses: [401],
      },
      ...receiving,
    })
    .input(GenericWebhookInput)
    .output(AlertsReceivedResponse)
    .mutation(({ ctx, input }) => receive(ctx, input.id, { endpoint: 'generic', payload: input })),
});
