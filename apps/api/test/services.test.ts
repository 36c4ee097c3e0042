import { describe, expect, it } from 'vitest';
import { unique } from './support/api';
import {
  allServices,
  currentUserId,
  dataOf,
  expectPlainError,
  expectServiceShape,
  expectStatusLogEntryShape,
  expectValidationError,
  getGroup,
  getService,
  listServices,
  onlyIds,
  type WireGroup,
  type WireService,
} from './support/catalog';
import { createAccount, createGroup, createService } from './support/factories';
import { useApiFixture } from './support/fixture';

describe('catalog services', () => {
  const t = useApiFixture();

  /** A full PATCH body (the contract requires name, slug and status) from a service as served. */
  const patchBody = (service: WireService, changes: Record<string, unknown> = {}) => ({
    name: service.name,
    slug: service.slug,
    status: service.status,
    ...changes,
  });

  describe('create', () => {
    it('create answers 201 with the contract shape and defaults', async () => {
      const slug = unique('svc');
      const before = Date.now();
      const response = await t.http.post('/api/v1/services', { token: t.admin, body: { name: 'Billing API', slug } });
      const service = dataOf<WireService>(response, 201);
      expectServiceShape(service);
      expect(service).toMatchObject({
        name: 'Billing API',
        slug,
        description: '',
        status: 'operational',
        effective_status: 'operational',
        has_active_events: false,
        group_ids: [],
        order: 0,
        archived_at: null,
      });
      expect(Date.parse(service.created_at)).toBeGreaterThanOrEqual(before - 5_000);
      expect(Date.parse(service.created_at)).toBeLessThanOrEqual(Date.now() + 5_000);
      expect(response.headers.get('content-type')).toContain('application/json');
      expect(await getService(t.http, slug)).toEqual(service);
    });

    it('create stores every field of the request', async () => {
      const first = await createGroup(t.http, t.admin);
      const second = await createGroup(t.http, t.admin);
      const slug = unique('svc');
      const service = dataOf<WireService>(
        await t.http.post('/api/v1/services', {
          token: t.admin,
          body: {
            name: 'Payments',
            slug,
            description: 'Card payments and refunds',
            status: 'degraded',
            group_ids: [first.id, second.id],
            order: 7,
            tags: { team: 'payments', tier: '1' },
          },
        }),
        201,
      );
      expectServiceShape(service);
      expect(service).toMatchObject({
        name: 'Payments',
        slug,
        description: 'Card payments and refunds',
        status: 'degraded',
        effective_status: 'degraded',
        has_active_events: false,
        order: 7,
        archived_at: null,
      });
      expect([...service.group_ids].sort()).toEqual([first.id, second.id].sort());
      expect(await getService(t.http, slug)).toEqual(service);
      const tags = await t.http.get(`/api/v1/services/${slug}/tags`);
      expect(dataOf(tags)).toEqual({ tags: { team: 'payments', tier: '1' } });
    });

    it('create with group_ids puts one service in every named group', async () => {
      const first = await createGroup(t.http, t.admin);
      const second = await createGroup(t.http, t.admin);
      const other = await createGroup(t.http, t.admin);
      const service = await createService(t.http, t.admin, { group_ids: [first.id, second.id] });
      expect((await getGroup(t.http, first.slug)).service_ids).toEqual([service.id]);
      expect((await getGroup(t.http, second.slug)).service_ids).toEqual([service.id]);
      expect((await getGroup(t.http, other.slug)).service_ids).toEqual([]);
      const groups = dataOf<WireGroup[]>(await t.http.get('/api/v1/groups'));
      expect(groups.find((group) => group.id === first.id)?.service_ids).toEqual([service.id]);
      expect(groups.find((group) => group.id === second.id)?.service_ids).toEqual([service.id]);
    });

    it('create accepts the same group id twice as one membership', async () => {
      const group = await createGroup(t.http, t.admin);
      const service = await createService(t.http, t.admin, { group_ids: [group.id, group.id] });
      expect(service.group_ids).toEqual([group.id]);
      expect((await getGroup(t.http, group.slug)).service_ids).toEqual([service.id]);
    });

    it('create answers 409 for a slug that is taken', async () => {
      const existing = await createService(t.http, t.admin, { description: 'the original' });
      const response = await t.http.post('/api/v1/services', {
        token: t.admin,
        body: { name: 'Impostor', slug: existing.slug },
      });
      expectPlainError(response, 409);
      const services = (await allServices(t.http)).filter((service) => service.slug === existing.slug);
      expect(services).toHaveLength(1);
      expect(services[0]).toMatchObject({ id: existing.id, description: 'the original' });
    });

    it('create answers 409 for the slug of an archived service', async () => {
      const archived = await createService(t.http, t.admin);
      expect((await t.http.delete(`/api/v1/services/${archived.slug}`, { token: t.admin })).status).toBe(204);
      const response = await t.http.post('/api/v1/services', {
        token: t.admin,
        body: { name: 'Again', slug: archived.slug },
      });
      expectPlainError(response, 409);
      const services = (await allServices(t.http)).filter((service) => service.slug === archived.slug);
      expect(services.map((service) => service.id)).toEqual([archived.id]);
    });

    it.each([
      ['with a space', 'Bad Slug'],
      ['with a double dash', 'a--b'],
      ['with a leading dash', '-a'],
      ['with a trailing dash', 'a-'],
      ['with upper case', 'Abc'],
      ['with an underscore', 'a_b'],
      ['that is empty', ''],
    ])('create answers 400 naming slug for a slug %s', async (_case, slug) => {
      const name = unique('bad-slug');
      const response = await t.http.post('/api/v1/services', { token: t.admin, body: { name, slug } });
      expectValidationError(response, 'slug');
      expect((await allServices(t.http)).filter((service) => service.name === name)).toEqual([]);
    });

    it('create answers 400 naming group_ids for an unknown group id', async () => {
      const known = await createGroup(t.http, t.admin);
      const slug = unique('svc');
      const response = await t.http.post('/api/v1/services', {
        token: t.admin,
        body: { name: 'Orphan', slug, group_ids: [known.id, '00000000-0000-4000-8000-000000000000'] },
      });
      expectValidationError(response, 'group_ids');
      expect((await allServices(t.http)).filter((service) => service.slug === slug)).toEqual([]);
      expect((await getGroup(t.http, known.slug)).service_ids).toEqual([]);
    });

    it('create answers 400 naming group_ids for an archived group', async () => {
      const group = await createGroup(t.http, t.admin);
      expect((await t.http.delete(`/api/v1/groups/${group.slug}`, { token: t.admin })).status).toBe(204);
      const slug = unique('svc');
      const response = await t.http.post('/api/v1/services', {
        token: t.admin,
        body: { name: 'In archived group', slug, group_ids: [group.id] },
      });
      expectValidationError(response, 'group_ids');
      expect((await allServices(t.http)).filter((service) => service.slug === slug)).toEqual([]);
    });

    it.each([
      ['a missing name', { name: undefined }, 'name'],
      ['an empty name', { name: '' }, 'name'],
      ['a blank name', { name: '   ' }, 'name'],
      ['a missing slug', { slug: undefined }, 'slug'],
      ['a name longer than 255 characters', { name: 'n'.repeat(256) }, 'name'],
      ['a slug longer than 255 characters', { slug: 's'.repeat(256) }, 'slug'],
      ['an unknown field', { colour: 'red' }, 'colour'],
      ['order as a string', { order: '5' }, 'order'],
      ['a fractional order', { order: 1.5 }, 'order'],
      ['an unknown status', { status: 'broken' }, 'status'],
      ['group_ids as a string', { group_ids: 'x' }, 'group_ids'],
      ['a group id that is not a uuid', { group_ids: ['x'] }, 'group_ids.0'],
      ['a name that is not a string', { name: 42 }, 'name'],
      ['a description that is not a string', { description: 7 }, 'description'],
      ['tags as an array', { tags: ['a'] }, 'tags'],
      ['a tag value that is not a string', { tags: { tier: 1 } }, 'tags.tier'],
    ])('create answers 400 for %s and creates nothing', async (_case, changes, field) => {
      const slug = unique('svc');
      const name = unique('invalid');
      const body: Record<string, unknown> = { name, slug, ...changes };
      const response = await t.http.post('/api/v1/services', { token: t.admin, body });
      expectValidationError(response, field);
      const services = await allServices(t.http);
      expect(services.filter((service) => service.slug === slug || service.name === name)).toEqual([]);
    });

    it('create answers 400 for a malformed JSON body', async () => {
      const slug = unique('svc');
      const response = await t.http.post('/api/v1/services', {
        token: t.admin,
        raw: `{"name": "Broken", "slug": "${slug}"`,
      });
      expect(response.status, response.text).toBe(400);
      expect(Object.keys(response.body)).toEqual(['error']);
      expect(response.body.error.message).toBeTypeOf('string');
      expect((await allServices(t.http)).filter((service) => service.slug === slug)).toEqual([]);
    });

    it('create answers 400 for a JSON body that is not an object', async () => {
      const response = await t.http.post('/api/v1/services', { token: t.admin, raw: '["name", "slug"]' });
      expect(response.status, response.text).toBe(400);
      expect(Object.keys(response.body)).toEqual(['error']);
    });
  });

  describe('list', () => {
    it('list serves every service in the contract shape, anonymously', async () => {
      const created = await createService(t.http, t.admin);
      const services = await listServices(t.http);
      expect(services.length).toBeGreaterThan(0);
      for (const service of services) {
        expectServiceShape(service);
        expect(service.archived_at).toBeNull();
      }
      expect(services.map((service) => service.id)).toContain(created.id);
    });

    it('list filters by group_id', async () => {
      const group = await createGroup(t.http, t.admin);
      const other = await createGroup(t.http, t.admin);
      const inside = await createService(t.http, t.admin, { group_ids: [group.id] });
      const both = await createService(t.http, t.admin, { group_ids: [other.id, group.id] });
      const outside = await createService(t.http, t.admin, { group_ids: [other.id] });
      const alone = await createService(t.http, t.admin);
      const services = await listServices(t.http, `?group_id=${group.id}`);
      for (const service of services) expectServiceShape(service);
      expect(services.map((service) => service.id).sort()).toEqual([inside.id, both.id].sort());
      const ids = services.map((service) => service.id);
      expect(ids).not.toContain(outside.id);
      expect(ids).not.toContain(alone.id);
    });

    it('list by group_id hides archived members unless include_archived=true', async () => {
      const group = await createGroup(t.http, t.admin);
      const kept = await createService(t.http, t.admin, { group_ids: [group.id] });
      const archived = await createService(t.http, t.admin, { group_ids: [group.id] });
      expect((await t.http.delete(`/api/v1/services/${archived.slug}`, { token: t.admin })).status).toBe(204);
      expect((await listServices(t.http, `?group_id=${group.id}`)).map((service) => service.id)).toEqual([kept.id]);
      const withArchived = await listServices(t.http, `?group_id=${group.id}&include_archived=true`);
      expect(withArchived.map((service) => service.id).sort()).toEqual([kept.id, archived.id].sort());
    });

    it('list filters by status', async () => {
      const degraded = await createService(t.http, t.admin, { status: 'degraded' });
      const operational = await createService(t.http, t.admin, { status: 'operational' });
      const outage = await createService(t.http, t.admin, { status: 'major_outage' });
      const services = await listServices(t.http, '?status=degraded');
      for (const service of services) {
        expectServiceShape(service);
        expect(service.effective_status).toBe('degraded');
      }
      const ids = services.map((service) => service.id);
      expect(ids).toContain(degraded.id);
      expect(ids).not.toContain(operational.id);
      expect(ids).not.toContain(outage.id);
      expect((await listServices(t.http, '?status=major_outage')).map((service) => service.id)).toContain(outage.id);
    });

    it('list combines the group_id and status filters', async () => {
      const group = await createGroup(t.http, t.admin);
      const match = await createService(t.http, t.admin, { group_ids: [group.id], status: 'partial_outage' });
      await createService(t.http, t.admin, { group_ids: [group.id], status: 'operational' });
      await createService(t.http, t.admin, { status: 'partial_outage' });
      const services = await listServices(t.http, `?group_id=${group.id}&status=partial_outage`);
      expect(services.map((service) => service.id)).toEqual([match.id]);
    });

    it('list hides archived services by default and with include_archived=false', async () => {
      const archived = await createService(t.http, t.admin);
      const visible = await createService(t.http, t.admin);
      expect((await t.http.delete(`/api/v1/services/${archived.slug}`, { token: t.admin })).status).toBe(204);
      for (const query of ['', '?include_archived=false', '?include_archived=0']) {
        const services = await listServices(t.http, query);
        const ids = services.map((service) => service.id);
        expect(ids, query).not.toContain(archived.id);
        expect(ids, query).toContain(visible.id);
        expect(services.every((service) => service.archived_at === null)).toBe(true);
      }
    });

    it('list shows archived services with include_archived=true', async () => {
      const archived = await createService(t.http, t.admin);
      const visible = await createService(t.http, t.admin);
      expect((await t.http.delete(`/api/v1/services/${archived.slug}`, { token: t.admin })).status).toBe(204);
      for (const query of ['?include_archived=true', '?include_archived=1']) {
        const services = await listServices(t.http, query);
        for (const service of services) expectServiceShape(service);
        const found = services.find((service) => service.id === archived.id);
        expect(found, query).toBeDefined();
        expect(found?.archived_at).not.toBeNull();
        expect(services.map((service) => service.id)).toContain(visible.id);
      }
    });

    it('list orders services by order, then by name', async () => {
      const group = await createGroup(t.http, t.admin);
      const make = (name: string, order: number) =>
        createService(t.http, t.admin, { name: `${name} ${unique()}`, order, group_ids: [group.id] });
      const late = await make('aaa', 10);
      const bravo = await make('bravo', 1);
      const alpha = await make('alpha', 1);
      const first = await make('zulu', -5);
      const expected = [first.id, alpha.id, bravo.id, late.id];
      expect((await listServices(t.http, `?group_id=${group.id}`)).map((service) => service.id)).toEqual(expected);
      expect(onlyIds(await listServices(t.http), expected)).toEqual(expected);
      // The group's service_ids use the same order.
      expect((await getGroup(t.http, group.slug)).service_ids).toEqual(expected);
    });

    it.each([
      ['an unknown status', '?status=broken', 'status'],
      ['a group_id that is not a uuid', '?group_id=abc', 'group_id'],
      ['include_archived that is not a boolean', '?include_archived=maybe', 'include_archived'],
    ])('list answers 400 for %s', async (_case, query, field) => {
      expectValidationError(await t.http.get(`/api/v1/services${query}`), field);
    });
  });

  describe('get', () => {
    it('get serves a service by slug, anonymously', async () => {
      const group = await createGroup(t.http, t.admin);
      const created = await createService(t.http, t.admin, { description: 'public', group_ids: [group.id] });
      const service = await getService(t.http, created.slug);
      expectServiceShape(service);
      expect(service).toEqual(created);
      expect(service.group_ids).toEqual([group.id]);
    });

    it('get lists group_ids in the groups display order (the first is the primary group)', async () => {
      const groups = [await createGroup(t.http, t.admin), await createGroup(t.http, t.admin)];
      groups.push(await createGroup(t.http, t.admin));
      // Display order opposite to the ids' order, so neither id nor creation order can pass for it.
      const display = [...groups].sort((a, b) => (a.id < b.id ? 1 : -1));
      for (const [index, group] of display.entries()) {
        const response = await t.http.patch(`/api/v1/groups/${group.slug}`, {
          token: t.admin,
          body: { name: `Group ${group.slug}`, slug: group.slug, order: index },
        });
        expect(response.status, response.text).toBe(200);
      }
      const created = await createService(t.http, t.admin, { group_ids: groups.map((group) => group.id) });
      const expected = display.map((group) => group.id);
      expect((await getService(t.http, created.slug)).group_ids).toEqual(expected);
      const listed = (await listServices(t.http, `?group_id=${groups[0]?.id}`)).find(
        (service) => service.id === created.id,
      );
      expect(listed?.group_ids).toEqual(expected);
    });

    it('get answers 404 for an unknown slug', async () => {
      expectPlainError(await t.http.get(`/api/v1/services/${unique('missing')}`), 404);
    });
  });

  describe('update', () => {
    it('update changes name, slug, status, description, order and group_ids', async () => {
      const oldGroup = await createGroup(t.http, t.admin);
      const newGroup = await createGroup(t.http, t.admin);
      const created = await createService(t.http, t.admin, { group_ids: [oldGroup.id], description: 'old' });
      const newSlug = unique('renamed');
      const response = await t.http.patch(`/api/v1/services/${created.slug}`, {
        token: t.admin,
        body: {
          name: 'Renamed service',
          slug: newSlug,
          status: 'partial_outage',
          description: 'new description',
          order: 42,
          group_ids: [newGroup.id],
          reason: 'maintenance window',
        },
      });
      const service = dataOf<WireService>(response);
      expectServiceShape(service);
      expect(service).toMatchObject({
        id: created.id,
        name: 'Renamed service',
        slug: newSlug,
        status: 'partial_outage',
        effective_status: 'partial_outage',
        has_active_events: false,
        description: 'new description',
        order: 42,
        group_ids: [newGroup.id],
        archived_at: null,
      });
      expect(Date.parse(service.updated_at)).toBeGreaterThanOrEqual(Date.parse(service.created_at));
      expect(await getService(t.http, newSlug)).toEqual(service);
    });

    it('update renames: the old slug answers 404 and the new one 200', async () => {
      const created = await createService(t.http, t.admin);
      const service = await getService(t.http, created.slug);
      const newSlug = unique('renamed');
      dataOf(
        await t.http.patch(`/api/v1/services/${created.slug}`, {
          token: t.admin,
          body: patchBody(service, { slug: newSlug }),
        }),
      );
      expectPlainError(await t.http.get(`/api/v1/services/${created.slug}`), 404);
      expect((await getService(t.http, newSlug)).id).toBe(created.id);
      expect(dataOf(await t.http.get(`/api/v1/services/${newSlug}/tags`))).toEqual({ tags: {} });
    });

    it('update keeps the slug when the body repeats the current one', async () => {
      const created = await createService(t.http, t.admin);
      const service = await getService(t.http, created.slug);
      const updated = dataOf<WireService>(
        await t.http.patch(`/api/v1/services/${created.slug}`, {
          token: t.admin,
          body: patchBody(service, { name: 'Same slug' }),
        }),
      );
      expect(updated).toMatchObject({ id: created.id, slug: created.slug, name: 'Same slug' });
    });

    it('update with group_ids replaces the memberships', async () => {
      const first = await createGroup(t.http, t.admin);
      const second = await createGroup(t.http, t.admin);
      const third = await createGroup(t.http, t.admin);
      const created = await createService(t.http, t.admin, { group_ids: [first.id, second.id] });
      const service = await getService(t.http, created.slug);
      const updated = dataOf<WireService>(
        await t.http.patch(`/api/v1/services/${created.slug}`, {
          token: t.admin,
          body: patchBody(service, { group_ids: [second.id, third.id] }),
        }),
      );
      expect([...updated.group_ids].sort()).toEqual([second.id, third.id].sort());
      expect((await getGroup(t.http, first.slug)).service_ids).toEqual([]);
      expect((await getGroup(t.http, second.slug)).service_ids).toEqual([created.id]);
      expect((await getGroup(t.http, third.slug)).service_ids).toEqual([created.id]);
      expect((await listServices(t.http, `?group_id=${first.id}`)).map((s) => s.id)).toEqual([]);
    });

    it('update with empty group_ids removes every membership', async () => {
      const group = await createGroup(t.http, t.admin);
      const created = await createService(t.http, t.admin, { group_ids: [group.id] });
      const service = await getService(t.http, created.slug);
      const updated = dataOf<WireService>(
        await t.http.patch(`/api/v1/services/${created.slug}`, {
          token: t.admin,
          body: patchBody(service, { group_ids: [] }),
        }),
      );
      expect(updated.group_ids).toEqual([]);
      expect((await getGroup(t.http, group.slug)).service_ids).toEqual([]);
    });

    it('update without the optional fields keeps description, order and group_ids', async () => {
      const group = await createGroup(t.http, t.admin);
      const created = await createService(t.http, t.admin, { group_ids: [group.id], description: 'kept', order: 3 });
      const updated = dataOf<WireService>(
        await t.http.patch(`/api/v1/services/${created.slug}`, {
          token: t.admin,
          body: { name: 'Only the name', slug: created.slug, status: 'operational' },
        }),
      );
      expect(updated).toMatchObject({ name: 'Only the name', description: 'kept', order: 3, group_ids: [group.id] });
    });

    it('update of a status writes a status-log entry with reason and author', async () => {
      const adminId = await currentUserId(t.http, t.admin);
      const operator = await createAccount(t.http, 'operator');
      const created = await createService(t.http, t.admin);
      const service = await getService(t.http, created.slug);
      dataOf(
        await t.http.patch(`/api/v1/services/${created.slug}`, {
          token: t.admin,
          body: patchBody(service, { status: 'major_outage', reason: 'database down' }),
        }),
      );
      dataOf(
        await t.http.patch(`/api/v1/services/${created.slug}`, {
          token: t.admin,
          body: patchBody(service, { status: 'degraded', reason: 'recovering' }),
        }),
      );
      const log = dataOf<{ entries: Record<string, unknown>[]; total: number; limit: number; offset: number }>(
        await t.http.get(`/api/v1/services/${created.slug}/status-log`, { token: operator.token }),
      );
      expect(log.total).toBe(3);
      expect(log.entries).toHaveLength(3);
      expect(log.entries[0]).toMatchObject({
        service_id: created.id,
        old_status: 'major_outage',
        new_status: 'degraded',
        source_type: 'manual',
        event_id: null,
        reason: 'recovering',
        created_by: adminId,
      });
      expect(log.entries[1]).toMatchObject({
        service_id: created.id,
        old_status: 'operational',
        new_status: 'major_outage',
        source_type: 'manual',
        event_id: null,
        reason: 'database down',
        created_by: adminId,
      });
      expect(log.entries[2]).toMatchObject({
        service_id: created.id,
        old_status: null,
        new_status: 'operational',
        source_type: 'manual',
        created_by: adminId,
      });
      const times = log.entries.map((entry) => Date.parse(entry.created_at as string));
      expect(times).toEqual([...times].sort((a, b) => b - a));
      expect(new Set(log.entries.map((entry) => entry.id)).size).toBe(3);
      expect((await getService(t.http, created.slug)).status).toBe('degraded');
    });

    it('update without a status change writes no status-log entry', async () => {
      const created = await createService(t.http, t.admin, { status: 'degraded' });
      const service = await getService(t.http, created.slug);
      dataOf(
        await t.http.patch(`/api/v1/services/${created.slug}`, {
          token: t.admin,
          body: patchBody(service, { name: 'New name', order: 9, reason: 'not a status change' }),
        }),
      );
      const log = dataOf<{ entries: { old_status: string | null; new_status: string }[]; total: number }>(
        await t.http.get(`/api/v1/services/${created.slug}/status-log`, { token: t.admin }),
      );
      expect(log.total).toBe(1);
      expect(log.entries).toHaveLength(1);
      expect(log.entries[0]).toMatchObject({ old_status: null, new_status: 'degraded' });
    });

    it('update answers 409 when renaming to a slug that is taken', async () => {
      const taken = await createService(t.http, t.admin);
      const created = await createService(t.http, t.admin);
      const service = await getService(t.http, created.slug);
      const response = await t.http.patch(`/api/v1/services/${created.slug}`, {
        token: t.admin,
        body: patchBody(service, { slug: taken.slug, name: 'Clash', status: 'major_outage' }),
      });
      expectPlainError(response, 409);
      expect(await getService(t.http, created.slug)).toEqual(service);
      expect((await getService(t.http, taken.slug)).id).toBe(taken.id);
      const log = dataOf<{ total: number }>(
        await t.http.get(`/api/v1/services/${created.slug}/status-log`, { token: t.admin }),
      );
      expect(log.total).toBe(1);
    });

    it('update answers 409 when renaming to the slug of an archived service', async () => {
      const archived = await createService(t.http, t.admin);
      expect((await t.http.delete(`/api/v1/services/${archived.slug}`, { token: t.admin })).status).toBe(204);
      const created = await createService(t.http, t.admin);
      const service = await getService(t.http, created.slug);
      const response = await t.http.patch(`/api/v1/services/${created.slug}`, {
        token: t.admin,
        body: patchBody(service, { slug: archived.slug }),
      });
      expectPlainError(response, 409);
      expect(await getService(t.http, created.slug)).toEqual(service);
    });

    it('update answers 404 for an unknown slug', async () => {
      const response = await t.http.patch(`/api/v1/services/${unique('missing')}`, {
        token: t.admin,
        body: { name: 'Ghost', slug: unique('ghost'), status: 'operational' },
      });
      expectPlainError(response, 404);
    });

    it.each([
      ['a missing status', { status: undefined }, 'status'],
      ['a missing name', { name: undefined }, 'name'],
      ['a missing slug', { slug: undefined }, null],
      ['an invalid new slug', { slug: 'Bad Slug' }, null],
      ['an unknown status', { status: 'broken' }, 'status'],
      ['order as a string', { order: '5' }, 'order'],
      ['a fractional order', { order: 1.5 }, 'order'],
      ['group_ids as a string', { group_ids: 'x' }, 'group_ids'],
      ['an unknown field', { colour: 'red' }, 'colour'],
    ])('update answers 400 for %s and changes nothing', async (_case, changes, field) => {
      const group = await createGroup(t.http, t.admin);
      const created = await createService(t.http, t.admin, { group_ids: [group.id] });
      const service = await getService(t.http, created.slug);
      const body: Record<string, unknown> = patchBody(service, { name: 'Changed', status: 'degraded', ...changes });
      const response = await t.http.patch(`/api/v1/services/${created.slug}`, { token: t.admin, body });
      // The body's `slug` is checked by name in the test below.
      if (field === null) expectValidationError(response);
      else expectValidationError(response, field);
      expect(await getService(t.http, created.slug)).toEqual(service);
    });

    // The adapter renames the body's `slug` to the input's `new_slug`; details must name `slug`.
    it('update names the body field slug in the details of a bad or missing slug', async () => {
      const created = await createService(t.http, t.admin);
      const service = await getService(t.http, created.slug);
      for (const slug of ['Bad Slug', undefined]) {
        const response = await t.http.patch(`/api/v1/services/${created.slug}`, {
          token: t.admin,
          body: patchBody(service, { slug }),
        });
        expectValidationError(response, 'slug');
        expect(response.body.error.details.map((detail: { field: string }) => detail.field)).not.toContain('new_slug');
      }
    });

    // The input's internal name `new_slug` is not a body field.
    it('update answers 400 for the internal field new_slug in the body', async () => {
      const created = await createService(t.http, t.admin);
      const service = await getService(t.http, created.slug);
      const response = await t.http.patch(`/api/v1/services/${created.slug}`, {
        token: t.admin,
        body: { name: service.name, status: service.status, new_slug: unique('internal') },
      });
      expectValidationError(response);
      expect(await getService(t.http, created.slug)).toEqual(service);
    });

    it('update answers 400 for an unknown group id and changes nothing', async () => {
      const group = await createGroup(t.http, t.admin);
      const created = await createService(t.http, t.admin, { group_ids: [group.id] });
      const service = await getService(t.http, created.slug);
      const response = await t.http.patch(`/api/v1/services/${created.slug}`, {
        token: t.admin,
        body: patchBody(service, {
          name: 'Changed',
          status: 'major_outage',
          group_ids: ['00000000-0000-4000-8000-000000000000'],
        }),
      });
      expectValidationError(response, 'group_ids');
      expect(await getService(t.http, created.slug)).toEqual(service);
      expect((await getGroup(t.http, group.slug)).service_ids).toEqual([created.id]);
      const log = dataOf<{ total: number }>(
        await t.http.get(`/api/v1/services/${created.slug}/status-log`, { token: t.admin }),
      );
      expect(log.total).toBe(1);
    });

    it('update answers 400 for a malformed JSON body', async () => {
      const created = await createService(t.http, t.admin);
      const service = await getService(t.http, created.slug);
      const response = await t.http.patch(`/api/v1/services/${created.slug}`, { token: t.admin, raw: '{"name": ' });
      expect(response.status, response.text).toBe(400);
      expect(Object.keys(response.body)).toEqual(['error']);
      expect(await getService(t.http, created.slug)).toEqual(service);
    });
  });

  describe('status log', () => {
    type Log = {
      entries: { id: string; old_status: string | null; new_status: string; reason: string }[];
      total: number;
      limit: number;
      offset: number;
    };

    /** A service whose status went operational → degraded → partial_outage → major_outage → operational. */
    async function serviceWithHistory() {
      const created = await createService(t.http, t.admin);
      const service = await getService(t.http, created.slug);
      for (const status of ['degraded', 'partial_outage', 'major_outage', 'operational']) {
        dataOf(
          await t.http.patch(`/api/v1/services/${created.slug}`, {
            token: t.admin,
            body: patchBody(service, { status, reason: `to ${status}` }),
          }),
        );
      }
      return created;
    }

    it('status-log pages with limit and offset and reports the total', async () => {
      const service = await serviceWithHistory();
      const path = `/api/v1/services/${service.slug}/status-log`;
      const all = dataOf<Log>(await t.http.get(path, { token: t.admin }));
      expect(all).toMatchObject({ total: 5, limit: 50, offset: 0 });
      expect(all.entries.map((entry) => entry.new_status)).toEqual([
        'operational',
        'major_outage',
        'partial_outage',
        'degraded',
        'operational',
      ]);
      expect(all.entries.map((entry) => entry.old_status)).toEqual([
        'major_outage',
        'partial_outage',
        'degraded',
        'operational',
        null,
      ]);
      expect(all.entries[0]?.reason).toBe('to operational');

      const first = dataOf<Log>(await t.http.get(`${path}?limit=2`, { token: t.admin }));
      expect(first).toMatchObject({ total: 5, limit: 2, offset: 0 });
      expect(first.entries.map((entry) => entry.id)).toEqual(all.entries.slice(0, 2).map((entry) => entry.id));

      const second = dataOf<Log>(await t.http.get(`${path}?limit=2&offset=2`, { token: t.admin }));
      expect(second).toMatchObject({ total: 5, limit: 2, offset: 2 });
      expect(second.entries.map((entry) => entry.id)).toEqual(all.entries.slice(2, 4).map((entry) => entry.id));

      const last = dataOf<Log>(await t.http.get(`${path}?limit=2&offset=4`, { token: t.admin }));
      expect(last.entries.map((entry) => entry.id)).toEqual(all.entries.slice(4).map((entry) => entry.id));

      const beyond = dataOf<Log>(await t.http.get(`${path}?limit=2&offset=10`, { token: t.admin }));
      expect(beyond).toEqual({ entries: [], total: 5, limit: 2, offset: 10 });

      const edges = dataOf<Log>(await t.http.get(`${path}?limit=100&offset=0`, { token: t.admin }));
      expect(edges).toMatchObject({ total: 5, limit: 100, offset: 0 });
      expect(edges.entries).toHaveLength(5);
    });

    it('status-log entries have the contract shape', async () => {
      const service = await serviceWithHistory();
      const log = dataOf<Log>(await t.http.get(`/api/v1/services/${service.slug}/status-log`, { token: t.admin }));
      expect(Object.keys(log).sort()).toEqual(['entries', 'limit', 'offset', 'total']);
      for (const entry of log.entries) {
        expectStatusLogEntryShape(entry);
        expect(entry).toMatchObject({ service_id: service.id, source_type: 'manual', event_id: null });
      }
    });

    it('status-log of a service that was never changed holds its creation entry', async () => {
      const adminId = await currentUserId(t.http, t.admin);
      const service = await createService(t.http, t.admin, { status: 'maintenance' });
      const log = dataOf<Log>(await t.http.get(`/api/v1/services/${service.slug}/status-log`, { token: t.admin }));
      expect(log).toMatchObject({ total: 1, limit: 50, offset: 0 });
      expect(log.entries[0]).toMatchObject({
        service_id: service.id,
        old_status: null,
        new_status: 'maintenance',
        source_type: 'manual',
        created_by: adminId,
      });
    });

    it.each([
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=-1', 'limit'],
      ['limit=abc', 'limit'],
      ['limit=2.5', 'limit'],
      ['offset=-1', 'offset'],
      ['offset=x', 'offset'],
    ])('status-log answers 400 for %s', async (query, field) => {
      const service = await createService(t.http, t.admin);
      const response = await t.http.get(`/api/v1/services/${service.slug}/status-log?${query}`, { token: t.admin });
      expectValidationError(response, field);
    });

    it('status-log answers 404 for an unknown slug', async () => {
      const operator = await createAccount(t.http, 'operator');
      expectPlainError(
        await t.http.get(`/api/v1/services/${unique('missing')}/status-log`, { token: operator.token }),
        404,
      );
    });

    it('status-log is open to operators and admins only', async () => {
      const service = await createService(t.http, t.admin);
      const path = `/api/v1/services/${service.slug}/status-log`;
      const operator = await createAccount(t.http, 'operator');
      const user = await createAccount(t.http, 'user');
      expect(dataOf<Log>(await t.http.get(path, { token: operator.token })).total).toBe(1);
      expect(dataOf<Log>(await t.http.get(path, { token: t.admin })).total).toBe(1);
      expectPlainError(await t.http.get(path, { token: user.token }), 403);
      expectPlainError(await t.http.get(path), 401);
      expectPlainError(await t.http.get(path, { token: 'not-a-token' }), 401);
    });
  });

  describe('archive and restore', () => {
    it('archive answers 204 without a body', async () => {
      const service = await createService(t.http, t.admin);
      const response = await t.http.delete(`/api/v1/services/${service.slug}`, { token: t.admin });
      expect(response.status, response.text).toBe(204);
      expect(response.text).toBe('');
    });

    it('archive hides the service from the list but get still serves it with archived_at', async () => {
      const group = await createGroup(t.http, t.admin);
      const created = await createService(t.http, t.admin, { group_ids: [group.id] });
      const before = Date.now();
      expect((await t.http.delete(`/api/v1/services/${created.slug}`, { token: t.admin })).status).toBe(204);
      expect((await listServices(t.http)).map((service) => service.id)).not.toContain(created.id);
      const service = await getService(t.http, created.slug);
      expectServiceShape(service);
      expect(service.id).toBe(created.id);
      expect(service.archived_at).not.toBeNull();
      expect(Date.parse(service.archived_at as string)).toBeGreaterThanOrEqual(before - 5_000);
      const listed = (await allServices(t.http)).find((entry) => entry.id === created.id);
      expect(listed).toEqual(service);
      // An archived service is no longer a visible member of its group.
      expect((await getGroup(t.http, group.slug)).service_ids).toEqual([]);
    });

    it('restore answers 200 with the service, archived_at null and its groups back', async () => {
      const group = await createGroup(t.http, t.admin);
      const created = await createService(t.http, t.admin, { group_ids: [group.id], status: 'degraded' });
      expect((await t.http.delete(`/api/v1/services/${created.slug}`, { token: t.admin })).status).toBe(204);
      const service = dataOf<WireService>(
        await t.http.post(`/api/v1/services/${created.slug}/restore`, { token: t.admin }),
      );
      expectServiceShape(service);
      expect(service).toMatchObject({
        id: created.id,
        slug: created.slug,
        status: 'degraded',
        effective_status: 'degraded',
        has_active_events: false,
        group_ids: [group.id],
        archived_at: null,
      });
      expect(await getService(t.http, created.slug)).toEqual(service);
      expect((await listServices(t.http)).map((entry) => entry.id)).toContain(created.id);
      expect((await getGroup(t.http, group.slug)).service_ids).toEqual([created.id]);
    });

    it('restore answers 409 for a service that is not archived', async () => {
      const created = await createService(t.http, t.admin);
      const service = await getService(t.http, created.slug);
      expectPlainError(await t.http.post(`/api/v1/services/${created.slug}/restore`, { token: t.admin }), 409);
      expect(await getService(t.http, created.slug)).toEqual(service);
    });

    it('archive and restore answer 404 for an unknown slug', async () => {
      expectPlainError(await t.http.delete(`/api/v1/services/${unique('missing')}`, { token: t.admin }), 404);
      expectPlainError(await t.http.post(`/api/v1/services/${unique('missing')}/restore`, { token: t.admin }), 404);
    });
  });

  describe('tags', () => {
    it('get tags serves the tags anonymously, empty for a service without tags', async () => {
      const plain = await createService(t.http, t.admin);
      const tagged = await createService(t.http, t.admin, { tags: { region: 'eu-west', owner: 'sre' } });
      const empty = await t.http.get(`/api/v1/services/${plain.slug}/tags`);
      expect(empty.body).toEqual({ data: { tags: {} } });
      const tags = await t.http.get(`/api/v1/services/${tagged.slug}/tags`);
      expect(tags.status).toBe(200);
      expect(tags.body).toEqual({ data: { tags: { region: 'eu-west', owner: 'sre' } } });
    });

    it('get tags answers 404 for an unknown slug', async () => {
      expectPlainError(await t.http.get(`/api/v1/services/${unique('missing')}/tags`), 404);
    });

    it('put tags replaces every tag', async () => {
      const service = await createService(t.http, t.admin, { tags: { a: '1', b: '2' } });
      const path = `/api/v1/services/${service.slug}/tags`;
      const replaced = await t.http.put(path, { token: t.admin, body: { tags: { b: 'two', c: '3' } } });
      expect(replaced.status, replaced.text).toBe(200);
      expect(replaced.body).toEqual({ data: { tags: { b: 'two', c: '3' } } });
      expect((await t.http.get(path)).body).toEqual({ data: { tags: { b: 'two', c: '3' } } });

      const cleared = await t.http.put(path, { token: t.admin, body: { tags: {} } });
      expect(cleared.body).toEqual({ data: { tags: {} } });
      expect((await t.http.get(path)).body).toEqual({ data: { tags: {} } });
    });

    it('put tags answers 404 for an unknown slug', async () => {
      const response = await t.http.put(`/api/v1/services/${unique('missing')}/tags`, {
        token: t.admin,
        body: { tags: { a: '1' } },
      });
      expectPlainError(response, 404);
    });

    it.each([
      ['missing tags', {}, 'tags'],
      ['tags as a string', { tags: 'x' }, 'tags'],
      ['tags as an array', { tags: ['a', 'b'] }, 'tags'],
      ['tags as null', { tags: null }, 'tags'],
      ['a number value', { tags: { a: 1 } }, 'tags.a'],
      ['an object value', { tags: { a: { b: 'c' } } }, 'tags.a'],
      ['an unknown field', { tags: {}, extra: true }, 'extra'],
    ])('put tags answers 400 for %s and keeps the tags', async (_case, body, field) => {
      const service = await createService(t.http, t.admin, { tags: { kept: 'yes' } });
      const path = `/api/v1/services/${service.slug}/tags`;
      expectValidationError(await t.http.put(path, { token: t.admin, body }), field);
      expect((await t.http.get(path)).body).toEqual({ data: { tags: { kept: 'yes' } } });
    });

    it('put tags answers 400 for a malformed JSON body', async () => {
      const service = await createService(t.http, t.admin, { tags: { kept: 'yes' } });
      const path = `/api/v1/services/${service.slug}/tags`;
      const response = await t.http.put(path, { token: t.admin, raw: '{"tags": {' });
      expect(response.status, response.text).toBe(400);
      expect(Object.keys(response.body)).toEqual(['error']);
      expect((await t.http.get(path)).body).toEqual({ data: { tags: { kept: 'yes' } } });
    });
  });

  describe('access', () => {
    it('public reads work anonymously', async () => {
      const service = await createService(t.http, t.admin, { tags: { a: 'b' } });
      expect((await t.http.get('/api/v1/services')).status).toBe(200);
      expect((await t.http.get(`/api/v1/services/${service.slug}`)).status).toBe(200);
      expect((await t.http.get(`/api/v1/services/${service.slug}/tags`)).status).toBe(200);
    });

    it('create requires the admin role', async () => {
      for (const [token, status] of [
        [undefined, 401],
        ['not-a-token', 401],
        [t.user.token, 403],
        [t.operator.token, 403],
      ] as const) {
        const slug = unique('svc');
        const response = await t.http.post('/api/v1/services', { token, body: { name: 'Denied', slug } });
        expectPlainError(response, status);
        expect((await allServices(t.http)).filter((service) => service.slug === slug)).toEqual([]);
      }
    });

    it('create checks the role before the body', async () => {
      expectPlainError(await t.http.post('/api/v1/services', { body: { slug: 'Bad Slug' } }), 401);
      expectPlainError(await t.http.post('/api/v1/services', { token: t.user.token, body: { slug: 'Bad Slug' } }), 403);
    });

    it('update requires the admin role', async () => {
      const created = await createService(t.http, t.admin);
      const service = await getService(t.http, created.slug);
      for (const [token, status] of [
        [undefined, 401],
        [t.user.token, 403],
        [t.operator.token, 403],
      ] as const) {
        const response = await t.http.patch(`/api/v1/services/${created.slug}`, {
          token,
          body: patchBody(service, { name: 'Denied', slug: unique('denied'), status: 'major_outage' }),
        });
        expectPlainError(response, status);
      }
      expect(await getService(t.http, created.slug)).toEqual(service);
    });

    it('archive requires the admin role', async () => {
      const created = await createService(t.http, t.admin);
      for (const [token, status] of [
        [undefined, 401],
        [t.user.token, 403],
        [t.operator.token, 403],
      ] as const) {
        expectPlainError(await t.http.delete(`/api/v1/services/${created.slug}`, { token }), status);
      }
      expect((await getService(t.http, created.slug)).archived_at).toBeNull();
    });

    it('restore requires the admin role', async () => {
      const created = await createService(t.http, t.admin);
      expect((await t.http.delete(`/api/v1/services/${created.slug}`, { token: t.admin })).status).toBe(204);
      for (const [token, status] of [
        [undefined, 401],
        [t.user.token, 403],
        [t.operator.token, 403],
      ] as const) {
        expectPlainError(await t.http.post(`/api/v1/services/${created.slug}/restore`, { token }), status);
      }
      expect((await getService(t.http, created.slug)).archived_at).not.toBeNull();
    });

    it('put tags requires the admin role', async () => {
      const service = await createService(t.http, t.admin, { tags: { kept: 'yes' } });
      const path = `/api/v1/services/${service.slug}/tags`;
      for (const [token, status] of [
        [undefined, 401],
        [t.user.token, 403],
        [t.operator.token, 403],
      ] as const) {
        expectPlainError(await t.http.put(path, { token, body: { tags: { stolen: 'no' } } }), status);
      }
      expect((await t.http.get(path)).body).toEqual({ data: { tags: { kept: 'yes' } } });
    });
  });
});
