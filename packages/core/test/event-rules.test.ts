import { eventStatuses, serviceStatuses } from '@statuspage/contracts';
import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import {
  activeEventStatusSql,
  assertCompositionChange,
  assertStatusOfType,
  assertUnique,
  closingStatusOf,
  groupStatuses,
  isActiveStatus,
  isClosedStatus,
  isDeletable,
  isScheduledMaintenance,
  keepUsable,
  serviceStatusSeverity,
  severityOf,
  severitySql,
  statusChanges,
  statusOfSeveritySql,
  validateTimes,
  worseStatus,
  worstStatusOf,
} from '../src/events/rules';
import { DomainError } from '../src/shared/errors';

const dialect = new PgDialect();
const render = (query: ReturnType<typeof sql>) => dialect.sqlToQuery(query).sql;
const invalidField = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error.fields?.[0]?.field;
    throw error;
  }
  return undefined;
};

describe('events statuses', () => {
  it('closes with resolved (incident) or completed (maintenance)', () => {
    expect(closingStatusOf('incident')).toBe('resolved');
    expect(closingStatusOf('maintenance')).toBe('completed');
    expect(eventStatuses.filter(isClosedStatus)).toEqual(['resolved', 'completed']);
  });

  it('counts every status as active except closed and scheduled', () => {
    expect(eventStatuses.filter(isActiveStatus)).toEqual(['investigating', 'identified', 'monitoring', 'in_progress']);
    expect(eventStatuses.filter(isDeletable)).toEqual(['resolved', 'scheduled', 'completed']);
  });

  it('writes the same rule as SQL', () => {
    expect(render(activeEventStatusSql(sql.raw('ev.status')))).toBe(
      "ev.status not in ('resolved', 'completed', 'scheduled')",
    );
  });

  it('refuses a status of the other type', () => {
    expect(() => assertStatusOfType('incident', 'investigating')).not.toThrow();
    expect(invalidField(() => assertStatusOfType('incident', 'scheduled'))).toBe('status');
    expect(invalidField(() => assertStatusOfType('maintenance', 'resolved'))).toBe('status');
  });

  it('knows a scheduled maintenance by its times', () => {
    const at = new Date('2030-01-01T00:00:00Z');
    expect(isScheduledMaintenance({ type: 'maintenance', scheduledStartAt: at, scheduledEndAt: null })).toBe(true);
    expect(isScheduledMaintenance({ type: 'maintenance', scheduledStartAt: null, scheduledEndAt: null })).toBe(false);
    expect(isScheduledMaintenance({ type: 'incident', scheduledStartAt: at, scheduledEndAt: at })).toBe(false);
  });
});

describe('events service status severity', () => {
  it('orders operational < maintenance < degraded < partial_outage < major_outage', () => {
    expect(serviceStatusSeverity).toEqual(['operational', 'maintenance', 'degraded', 'partial_outage', 'major_outage']);
    expect([...serviceStatusSeverity].sort()).toEqual([...serviceStatuses].sort());
    expect(severityOf('major_outage')).toBe(4);
  });

  it('picks the worse of two statuses', () => {
    expect(worseStatus('degraded', 'maintenance')).toBe('degraded');
    expect(worseStatus('maintenance', 'major_outage')).toBe('major_outage');
    expect(worseStatus('operational', 'operational')).toBe('operational');
  });

  it('picks the worst of many statuses, operational for none', () => {
    expect(worstStatusOf([])).toBe('operational');
    expect(worstStatusOf(['maintenance', 'operational'])).toBe('maintenance');
    expect(worstStatusOf(['maintenance', 'degraded', 'operational'])).toBe('degraded');
    expect(worstStatusOf(new Set(['partial_outage', 'major_outage', 'degraded'] as const))).toBe('major_outage');
  });

  it('ranks the same way in SQL', () => {
    expect(render(severitySql(sql.raw('es.status')))).toBe(
      "case es.status when 'major_outage' then 4 when 'partial_outage' then 3 when 'degraded' then 2 when 'maintenance' then 1 else 0 end",
    );
  });

  it('turns a rank back into its status in SQL, in the same order', () => {
    expect(render(statusOfSeveritySql(sql.raw('r')))).toBe(
      "(array['operational', 'maintenance', 'degraded', 'partial_outage', 'major_outage']::service_status[])[1 + r]",
    );
  });

  it('gives a service in several groups the worst of their statuses', () => {
    const statuses = groupStatuses(
      [
        { group_id: 'g1', status: 'degraded' },
        { group_id: 'g2', status: 'major_outage' },
      ],
      [
        { groupId: 'g1', serviceId: 's1' },
        { groupId: 'g2', serviceId: 's1' },
        { groupId: 'g1', serviceId: 's2' },
        { groupId: 'g3', serviceId: 's3' },
      ],
    );
    expect([...statuses]).toEqual([
      ['s1', 'major_outage'],
      ['s2', 'degraded'],
    ]);
  });
});

describe('events status log', () => {
  it('logs the effective change, else the stored change, else nothing', () => {
    const before = new Map([
      ['a', { stored: 'operational', effective: 'operational' }],
      ['b', { stored: 'degraded', effective: 'major_outage' }],
      ['c', { stored: 'degraded', effective: 'degraded' }],
    ] as const);
    const after = new Map([
      ['a', { stored: 'operational', effective: 'major_outage' }],
      ['b', { stored: 'operational', effective: 'major_outage' }],
      ['c', { stored: 'degraded', effective: 'degraded' }],
      ['d', { stored: 'operational', effective: 'degraded' }],
    ] as const);
    expect(statusChanges(before, after)).toEqual([
      { serviceId: 'a', oldStatus: 'operational', newStatus: 'major_outage' },
      { serviceId: 'b', oldStatus: 'degraded', newStatus: 'operational' },
    ]);
  });
});

describe('events input rules', () => {
  const now = new Date('2030-01-01T12:00:00Z');

  it('refuses an id listed twice', () => {
    expect(() => assertUnique('affected_services', ['a', 'b'])).not.toThrow();
    expect(invalidField(() => assertUnique('affected_services', ['a', 'a']))).toBe('affected_services');
  });

  it('checks the times of a new event', () => {
    expect(invalidField(() => validateTimes({ type: 'incident', scheduled_end_at: '2030-01-02T00:00:00Z' }, now))).toBe(
      'scheduled_end_at',
    );
    expect(
      invalidField(() =>
        validateTimes(
          { type: 'maintenance', scheduled_start_at: '2030-01-02T00:00:00Z', scheduled_end_at: '2030-01-02T00:00:00Z' },
          now,
        ),
      ),
    ).toBe('scheduled_end_at');
    expect(invalidField(() => validateTimes({ type: 'incident', resolved_at: '2030-01-01T00:00:00Z' }, now))).toBe(
      'started_at',
    );
    expect(
      invalidField(() =>
        validateTimes(
          { type: 'incident', started_at: '2030-01-01T10:00:00Z', resolved_at: '2030-01-01T09:00:00Z' },
          now,
        ),
      ),
    ).toBe('resolved_at');
    expect(
      invalidField(() =>
        validateTimes(
          { type: 'incident', started_at: '2030-01-01T10:00:00Z', resolved_at: '2030-01-01T12:02:00Z' },
          now,
        ),
      ),
    ).toBe('resolved_at');
    expect(
      validateTimes({ type: 'incident', started_at: '2030-01-01T10:00:00Z', resolved_at: '2030-01-01T12:00:30Z' }, now)
        .resolvedAt,
    ).toEqual(new Date('2030-01-01T12:00:30Z'));
  });

  it('checks an update against the services of the event', () => {
    const inEvent = new Set(['a', 'b']);
    const empty = { service_updates: [], add_services: [], add_groups: [], remove_service_ids: [] };
    expect(() => assertCompositionChange(inEvent, { ...empty, service_updates: [{ service_id: 'a' }] })).not.toThrow();
    expect(
      invalidField(() => assertCompositionChange(inEvent, { ...empty, service_updates: [{ service_id: 'x' }] })),
    ).toBe('service_updates');
    expect(invalidField(() => assertCompositionChange(inEvent, { ...empty, remove_service_ids: ['x'] }))).toBe(
      'remove_service_ids',
    );
    expect(
      invalidField(() => assertCompositionChange(inEvent, { ...empty, add_services: [{ service_id: 'a' }] })),
    ).toBe('add_services');
    expect(
      invalidField(() =>
        assertCompositionChange(inEvent, {
          ...empty,
          service_updates: [{ service_id: 'a' }],
          remove_service_ids: ['a'],
        }),
      ),
    ).toBe('remove_service_ids');
  });

  it('drops archived group services and refuses archived explicit ones', () => {
    const fromGroups = new Map([
      ['a', 'degraded'],
      ['z', 'degraded'],
    ] as const);
    const groups = new Map(fromGroups);
    keepUsable(new Set(['a', 'b']), 'add_services', ['b'], groups);
    expect([...groups.keys()]).toEqual(['a']);
    expect(invalidField(() => keepUsable(new Set(['a']), 'add_services', ['b'], new Map()))).toBe('add_services');
  });
});
