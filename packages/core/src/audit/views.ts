import { type AuditEntry, auditActions, auditActorTypes } from '@statuspage/contracts';
import type { AuditEntryRow } from './store';

const actorTypes = new Set<string>(auditActorTypes);
const actions = new Set<string>(auditActions);

/** An audit row as the wire shows it. */
export function toAuditEntryDto(row: AuditEntryRow): AuditEntry {
  return {
    id: String(row.id),
    at: row.at.toISOString(),
    actor: {
      type: actorTypes.has(row.actorType) ? (row.actorType as AuditEntry['actor']['type']) : 'system',
      id: row.actorId,
      user_id: row.actorUserId,
      label: row.actorLabel,
    },
    ip: row.ip,
    request_id: row.requestId,
    operation: row.operation,
    action: actions.has(row.action) ? (row.action as AuditEntry['action']) : 'update',
    target: { type: row.targetType, id: row.targetId },
    changes: row.changes as AuditEntry['changes'],
  };
}
