import { AuditResponse, ListAuditInput } from '@statuspage/contracts';
import { adminProcedure, router } from '../trpc/init';

const tags = ['audit'];

export const auditRouter = router({
  list: adminProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/api/v1/admin/audit',
        operationId: 'listAuditEntries',
        tags,
        summary: 'The audit log: who changed what, when and from where (newest first)',
        description:
          'One entry per changed row of the catalogue, events, templates, users, page settings, API keys, integrations, subscribers and channels, written in the transaction of the change: the actor (a user, an API key and its owner, an integration, a visitor, or the system for scheduled jobs), the ip, the request id, the operation (the procedure or form), and per changed field its old and new value — secrets (password hashes, key and integration secrets, signing secrets, tokens) only as `"[redacted]"`, a URL destination only as its scheme and host. Reads are never recorded. Filter by actor, target, operation and time; page with `next_cursor`. Entries older than AUDIT_RETENTION_DAYS are deleted by the worker.',
      },
    })
    .input(ListAuditInput)
    .output(AuditResponse)
    .query(async ({ ctx, input }) => ({ data: await ctx.core.audit.list(input) })),
});
