import { describe, expect, it } from 'vitest';
import { DomainError } from '../src/shared/errors';
import { previewValues, sampleTemplateValues } from '../src/templates/rules';

describe('templates rules', () => {
  it('previewValues takes the samples for every value the request leaves out', () => {
    expect(previewValues({ slug: 'outage' })).toEqual(sampleTemplateValues());
  });

  it('previewValues takes the values the request gives', () => {
    const values = previewValues({
      slug: 'outage',
      service_name: 'Billing API',
      service_group_name: 'Payments',
      started_at: '2026-11-27T15:04:05Z',
      resolved_at: '2026-11-27T16:30:00+01:00',
    });
    expect(values).toMatchObject({ ServiceName: 'Billing API', ServiceGroupName: 'Payments' });
    expect(values.StartedAt.toISOString()).toBe('2026-11-27T15:04:05.000Z');
    expect(values.ResolvedAt.toISOString()).toBe('2026-11-27T15:30:00.000Z');
    expect(values.ScheduledStart).toEqual(sampleTemplateValues().ScheduledStart);
  });

  it('previewValues refuses a timestamp that is not a date, naming its field', () => {
    let caught: unknown;
    try {
      previewValues({ slug: 'outage', scheduled_end: 'not a date' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DomainError);
    expect((caught as DomainError).kind).toBe('invalid');
    expect((caught as DomainError).fields).toEqual([
      { field: 'scheduled_end', message: 'must be an RFC 3339 date-time' },
    ]);
  });
});
