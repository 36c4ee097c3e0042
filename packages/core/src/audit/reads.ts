import type { AuditEntry, ListAuditInput } from '@statuspage/contracts';
import { AuditErrors } from './errors';
import type { AuditDeps } from './ports';
import { decodeCursor, encodeCursor } from './rules';
import { selectEntries } from './store';
import { toAuditEntryDto } from './views';

/** One page of the audit log, newest first, filtered by actor, target, operation and time. */
export async function listAuditEntries(
  deps: AuditDeps,
  input: ListAuditInput,
): Promise<{ entries: AuditEntry[]; next_cursor: string | null }> {
  const beforeId = input.cursor === undefined ? undefined : decodeCursor(input.cursor);
  if (beforeId === null) throw AuditErrors.invalidCursor();
  const since = input.since ? new Date(input.since) : undefined;
  const until = input.until ? new Date(input.until) : undefined;
  if (since && until && until < since) throw AuditErrors.invalidRange();
  const rows = await selectEntries(
    deps.db,
    {
      actorType: input.actor_type,
      actorId: input.actor_id,
      targetType: input.target_type,
      targetId: input.target_id,
      operation: input.operation,
      requestId: input.request_id,
      since,
      until,
      beforeId,
    },
    input.limit + 1,
  );
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    entries: page.map(toAuditEntryDto),
    next_cursor: rows.length > input.limit && last ? encodeCursor(last.id) : null,
  };
}
