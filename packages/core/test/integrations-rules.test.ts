import { INTEGRATION_SECRET_PATTERN } from '@statuspage/contracts';
import { describe, expect, it } from 'vitest';
import {
  type AlertMapping,
  alertChanged,
  alertStatus,
  DEFAULT_SEVERITY_MAP,
  decideServiceStatus,
  endpointPath,
  fingerprintOf,
  incidentSeverity,
  parseAlertTime,
  planIncident,
  readGenericAlert,
  readWebhookAlerts,
  SECRET_PREFIX,
  SECRET_RANDOM_LENGTH,
  serviceSlugOf,
  worstPerService,
} from '../src/integrations/rules';

const mapping: AlertMapping = {
  serviceLabel: 'statuspage_service',
  serviceMap: {},
  severityMap: { ...DEFAULT_SEVERITY_MAP },
  defaultStatus: 'partial_outage',
};

describe('integrations rules: alert status', () => {
  it('maps critical to major_outage, warning to degraded, anything else to the default', () => {
    expect(alertStatus({ severity: 'critical' }, mapping)).toBe('major_outage');
    expect(alertStatus({ severity: 'warning' }, mapping)).toBe('degraded');
    expect(alertStatus({ severity: 'info' }, mapping)).toBe('partial_outage');
    expect(alertStatus({}, mapping)).toBe('partial_outage');
    expect(alertStatus({ severity: 'info' }, { ...mapping, defaultStatus: 'degraded' })).toBe('degraded');
  });

  it('reads severities without regard to case or spaces, and an empty map as the default map', () => {
    expect(alertStatus({ severity: ' Critical ' }, mapping)).toBe('major_outage');
    expect(alertStatus({ severity: 'warning' }, { ...mapping, severityMap: {} })).toBe('degraded');
  });

  it('uses the integration’s own severity map', () => {
    const own = { ...mapping, severityMap: { page: 'major_outage', ticket: 'degraded' } };
    expect(alertStatus({ severity: 'page' }, own)).toBe('major_outage');
    expect(alertStatus({ severity: 'critical' }, own)).toBe('partial_outage');
  });

  it('lets a valid statuspage_status label win; maintenance and nonsense are ignored', () => {
    expect(alertStatus({ severity: 'critical', statuspage_status: 'degraded' }, mapping)).toBe('degraded');
    expect(alertStatus({ severity: 'warning', statuspage_status: 'MAJOR_OUTAGE' }, mapping)).toBe('major_outage');
    expect(alertStatus({ severity: 'warning', statuspage_status: 'maintenance' }, mapping)).toBe('degraded');
    expect(alertStatus({ severity: 'warning', statuspage_status: 'broken' }, mapping)).toBe('degraded');
  });

  it('never reads a map entry of the prototype', () => {
    expect(alertStatus({ severity: 'constructor' }, mapping)).toBe('partial_outage');
    expect(serviceSlugOf('constructor', { serviceMap: {} })).toBe('constructor');
  });
});

describe('integrations rules: reading payloads', () => {
  it('reads the service label through the map, else as a slug', () => {
    expect(serviceSlugOf('api-prod', { serviceMap: { 'api-prod': 'api' } })).toBe('api');
    expect(serviceSlugOf('checkout', { serviceMap: { 'api-prod': 'api' } })).toBe('checkout');
  });

  it('reads Alertmanager alerts: common labels fill in, times with nanoseconds, no service label → null', () => {
    const read = readWebhookAlerts(
      {
        groupKey: 'g',
        commonLabels: { statuspage_service: 'api', severity: 'warning' },
        alerts: [
          {
            status: 'firing',
            labels: { alertname: 'HighLatency', severity: 'critical' },
            annotations: { summary: 'p99 above 2s' },
            startsAt: '2026-12-04T01:02:03.123456789Z',
            fingerprint: 'f1',
          },
          {
            status: 'resolved',
            labels: { alertname: 'Other', statuspage_service: ' ' },
            annotations: {},
            startsAt: '2026-12-04T01:00:00+02:00',
          },
        ],
      },
      mapping,
    );
    if ('invalidAt' in read) throw new Error('expected alerts');
    expect(read.alerts[0]).toMatchObject({
      fingerprint: 'f1',
      firing: true,
      groupKey: 'g',
      serviceKey: 'api',
      status: 'major_outage',
      summary: 'HighLatency: p99 above 2s',
    });
    expect(read.alerts[0]?.startsAt.toISOString()).toBe('2026-12-04T01:02:03.123Z');
    expect(read.alerts[1]).toMatchObject({ firing: false, serviceKey: null, summary: 'Other' });
    expect(read.alerts[1]?.startsAt.toISOString()).toBe('2026-12-03T23:00:00.000Z');
    expect(read.alerts[1]?.fingerprint).toMatch(/^labels:[0-9a-f]{32}$/);
  });

  it('names the first alert whose start is not a time', () => {
    const alert = { status: 'firing' as const, labels: {}, annotations: {}, startsAt: '2026-12-04T00:00:00Z' };
    expect(readWebhookAlerts({ alerts: [alert, { ...alert, startsAt: 'soon' }] }, mapping)).toEqual({ invalidAt: 1 });
  });

  it('parses RFC 3339 times and refuses others', () => {
    expect(parseAlertTime('0001-01-01T00:00:00Z')?.getUTCFullYear()).toBe(1);
    expect(parseAlertTime('2021-10-12T09:51:03.157076+02:00')?.toISOString()).toBe('2021-10-12T07:51:03.157Z');
    expect(parseAlertTime('not a time')).toBeNull();
  });

  it('gives a missing fingerprint one that depends on the labels only, not their order', () => {
    const a = fingerprintOf({ labels: { a: '1', b: '2' } });
    expect(fingerprintOf({ labels: { b: '2', a: '1' } })).toBe(a);
    expect(fingerprintOf({ labels: { a: '1', b: '3' } })).not.toBe(a);
    expect(fingerprintOf({ fingerprint: 'given', labels: { a: '1' } })).toBe('given');
  });

  it('reads a generic payload as one alert per service: operational resolves it', () => {
    const down = readGenericAlert({ service: 'api', status: 'degraded', message: 'slow' });
    expect(down).toMatchObject({ fingerprint: 'generic:api', firing: true, status: 'degraded', summary: 'slow' });
    const up = readGenericAlert({ service: 'api', status: 'operational', message: '' });
    expect(up).toMatchObject({ fingerprint: 'generic:api', firing: false, summary: 'status operational' });
    expect(up.startsAt.getTime()).toBe(down.startsAt.getTime());
  });
});

describe('integrations rules: resends', () => {
  it('a resend of the same state is no change; a new state, service or alert is', () => {
    const state = { firing: true, status: 'degraded' as const, serviceId: 's' };
    expect(alertChanged(undefined, state)).toBe(true);
    expect(alertChanged(state, { ...state })).toBe(false);
    expect(alertChanged(state, { ...state, firing: false })).toBe(true);
    expect(alertChanged(state, { ...state, status: 'major_outage' })).toBe(true);
    expect(alertChanged(state, { ...state, serviceId: 't' })).toBe(true);
  });
});

describe('integrations rules: service status', () => {
  const free = { stored: 'operational' as const, inActiveEvent: false, lastSource: 'manual' as const };

  it('takes the worst firing status; operational when none fires', () => {
    expect(decideServiceStatus(free, ['degraded', 'major_outage', 'partial_outage'])).toEqual({
      kind: 'set',
      status: 'major_outage',
    });
    expect(decideServiceStatus({ ...free, stored: 'major_outage', lastSource: 'webhook' }, [])).toEqual({
      kind: 'set',
      status: 'operational',
    });
  });

  it('keeps a service that already has the status', () => {
    expect(decideServiceStatus(free, [])).toEqual({ kind: 'keep' });
    expect(decideServiceStatus({ ...free, stored: 'degraded' }, ['degraded'])).toEqual({ kind: 'keep' });
  });

  it('holds a service in an active incident or maintenance', () => {
    expect(decideServiceStatus({ ...free, inActiveEvent: true }, ['major_outage'])).toEqual({
      kind: 'held',
      reason: 'active_event',
    });
  });

  it('never improves a status a person set by hand, but may make it worse', () => {
    const byHand = { stored: 'degraded' as const, inActiveEvent: false, lastSource: 'manual' as const };
    expect(decideServiceStatus(byHand, [])).toEqual({ kind: 'held', reason: 'manual_override' });
    expect(decideServiceStatus(byHand, ['major_outage'])).toEqual({ kind: 'set', status: 'major_outage' });
    expect(decideServiceStatus({ ...byHand, lastSource: 'webhook' }, [])).toEqual({
      kind: 'set',
      status: 'operational',
    });
    expect(decideServiceStatus({ ...byHand, lastSource: 'event' }, [])).toEqual({ kind: 'set', status: 'operational' });
  });

  it('groups firing alerts by service, worst first', () => {
    const worst = worstPerService([
      { serviceId: 'a', status: 'degraded' },
      { serviceId: 'a', status: 'major_outage' },
      { serviceId: 'b', status: 'partial_outage' },
      { serviceId: 'a', status: 'partial_outage' },
    ]);
    expect(Object.fromEntries(worst)).toEqual({ a: 'major_outage', b: 'partial_outage' });
  });
});

describe('integrations rules: incidents', () => {
  it('opens an incident when alerts fire and none is open; nothing when none fires', () => {
    const wanted = new Map([['a', 'degraded' as const]]);
    expect(planIncident(null, wanted)).toEqual({ kind: 'open', services: wanted });
    expect(planIncident(null, new Map())).toEqual({ kind: 'none' });
  });

  it('resolves the incident when no alert of the group fires', () => {
    const open = { inEvent: new Set(['a']), given: new Map([['a', 'degraded' as const]]) };
    expect(planIncident(open, new Map())).toEqual({ kind: 'resolve' });
  });

  it('follows the alerts: new services join, statuses change, services no longer named leave', () => {
    const open = {
      inEvent: new Set(['a', 'b', 'person']),
      given: new Map([
        ['a', 'degraded' as const],
        ['b', 'major_outage' as const],
      ]),
    };
    const plan = planIncident(
      open,
      new Map([
        ['a', 'major_outage'],
        ['c', 'partial_outage'],
      ]),
    );
    expect(plan).toEqual({
      kind: 'update',
      serviceUpdates: new Map([['a', 'major_outage']]),
      add: new Map([['c', 'partial_outage']]),
      remove: ['b'],
    });
  });

  it('changes nothing when the alerts ask what the incident has', () => {
    const open = { inEvent: new Set(['a']), given: new Map([['a', 'degraded' as const]]) };
    expect(planIncident(open, new Map([['a', 'degraded']]))).toEqual({ kind: 'none' });
  });

  it('adds back a service a person removed from the incident while its alert fires', () => {
    const open = { inEvent: new Set<string>(), given: new Map([['a', 'degraded' as const]]) };
    expect(planIncident(open, new Map([['a', 'degraded']]))).toMatchObject({
      kind: 'update',
      add: new Map([['a', 'degraded']]),
      remove: [],
    });
  });

  it('sets the severity from the worst status', () => {
    expect(incidentSeverity(['degraded', 'major_outage'])).toBe('critical');
    expect(incidentSeverity(['partial_outage', 'degraded'])).toBe('major');
    expect(incidentSeverity(['degraded'])).toBe('minor');
  });
});

describe('integrations rules: secrets and endpoints', () => {
  it('documents the form of a secret', () => {
    const example = `${SECRET_PREFIX}${'aZ0'.repeat(14).slice(0, SECRET_RANDOM_LENGTH)}`;
    expect(example).toMatch(INTEGRATION_SECRET_PATTERN);
    expect(`${SECRET_PREFIX}short`).not.toMatch(INTEGRATION_SECRET_PATTERN);
  });

  it('names the endpoint of each kind', () => {
    expect(endpointPath('id', 'alertmanager')).toBe('/api/v1/integrations/id/alertmanager');
    expect(endpointPath('id', 'generic')).toBe('/api/v1/integrations/id/generic');
  });
});
