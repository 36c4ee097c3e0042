import { withAuditContext } from '@statuspage/core';
import type { NextFunction, Request, Response } from 'express';

/**
 * The audit context of a public form (subscribe, confirm, manage, unsubscribe): what the route's
 * handler changes is recorded as a visitor's (no account), with the ip, request id and form.
 * Placed after the form's body parser, so that the handler runs inside it.
 */
export function auditedForm(req: Request, _res: Response, next: NextFunction) {
  withAuditContext(
    {
      actor: { type: 'anonymous' },
      ip: req.ip ?? req.socket.remoteAddress ?? null,
      requestId: req.id === undefined ? null : String(req.id),
      operation: `${req.method} ${req.route?.path ?? req.path}`,
    },
    next,
  );
}
