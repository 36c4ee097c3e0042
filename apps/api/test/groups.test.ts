import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../src/server';
import { startTestApi, unique } from './support/api';
import {
  allGroups,
  dataOf,
  expectGroupShape,
  expectPlainError,
  expectValidationError,
  onlyIds,
  type WireGroup,
  type WireService,
} from './support/catalog';
import { createHttp, type Http } from './support/client';
import { adminToken, createAccount, createGroup, createService } from './support/factories';

describe('catalog groups', () => {
  let api: ApiServer;
  let http: Http;
  let admin: string;

  beforeAll(async () => {
    api = await startTestApi();
    http = createHttp(api.url);
    admin = await adminToken(http);
  });
  afterAll(() => api.close());

  const getGroup = async (slug: string) => dataOf<WireGroup>(await http.get(`/api/v1/groups/${slug}`));
  const getService = async (slug: string) => dataOf<WireService>(await http.get(`/api/v1/services/${slug}`));
  const listGroups = async (query = '') => dataOf<WireGroup[]>(await http.get(`/api/v1/groups${query}`));
  const archive = async (kind: 'groups' | 'services', slug: string) => {
    const response = await http.delete(`/api/v1/${kind}/${slug}`, { token: admin });
    expect(response.status, response.text).toBe(204);
  };
  /** A full PATCH body (the contract requires name and slug) from a group as served. */
  const patchBody = (group: WireGroup, changes: Record<string, unknown> = {}) => ({
    name: group.name,
    slug: group.slug,
    ...changes,
  });

  describe('create', () => {
    it('create answers 201 with the contract shape and defaults', async () => {
      const slug = unique('grp');
      const before = Date.now();
      const group = dataOf<WireGroup>(
        await http.post('/api/v1/groups', { token: admin, body: { name: 'Core platform', slug } }),
        201,
      );
      expectGroupShape(group);
      expect(group).toMatchObject({
        name: 'Core platform',
        slug,
        description: '',
        service_ids: [],
        order: 0,
        archived_at: null,
      });
      expect(Date.parse(group.created_at)).toBeGreaterThanOrEqual(before - 5_000);
      expect(Date.parse(group.created_at)).toBeLessThanOrEqual(Date.now() + 5_000);
      expect(await getGroup(slug)).toEqual(group);
    });

    it('create stores description and order', async () => {
      const slug = unique('grp');
      const group = dataOf<WireGroup>(
        await http.post('/api/v1/groups', {
          token: admin,
          body: { name: 'Edge', slug, description: 'CDN and DNS', order: -3 },
        }),
        201,
      );
      expectGroupShape(group);
      expect(group).toMatchObject({ name: 'Edge', slug, description: 'CDN and DNS', order: -3, service_ids: [] });
      expect(await getGroup(slug)).toEqual(group);
    });

    it('create answers 409 for a slug that is taken', async () => {
      const existing = await createGroup(http, admin, { description: 'the original' });
      expectPlainError(
        await http.post('/api/v1/groups', { token: admin, body: { name: 'Copy', slug: existing.slug } }),
        409,
      );
      const groups = (await allGroups(http)).filter((group) => group.slug === existing.slug);
      expect(groups).toHaveLength(1);
      expect(groups[0]).toMatchObject({ id: existing.id, description: 'the original' });
    });

    it('create answers 409 for the slug of an archived group', async () => {
      const existing = await createGroup(http, admin);
      await archive('groups', existing.slug);
      expectPlainError(
        await http.post('/api/v1/groups', { token: admin, body: { name: 'Copy', slug: existing.slug } }),
        409,
      );
      expect((await allGroups(http)).filter((group) => group.slug === existing.slug).map((g) => g.id)).toEqual([
        existing.id,
      ]);
    });

    it.each([
      ['a slug with a space', { slug: 'Bad Slug' }, 'slug'],
      ['a slug with a double dash', { slug: 'a--b' }, 'slug'],
      ['a slug with a leading dash', { slug: '-a' }, 'slug'],
      ['an empty slug', { slug: '' }, 'slug'],
      ['a missing slug', { slug: undefined }, 'slug'],
      ['a missing name', { name: undefined }, 'name'],
      ['an empty name', { name: '' }, 'name'],
      ['a name longer than 255 characters', { name: 'n'.repeat(256) }, 'name'],
      ['an unknown field', { colour: 'red' }, 'colour'],
      ['order as a string', { order: '5' }, 'order'],
      ['a fractional order', { order: 1.5 }, 'order'],
      ['a name that is not a string', { name: 42 }, 'name'],
      ['a description that is not a string', { description: false }, 'description'],
    ])('create answers 400 for %s and creates nothing', async (_case, changes, field) => {
      const slug = unique('grp');
      const name = unique('invalid');
      const response = await http.post('/api/v1/groups', { token: admin, body: { name, slug, ...changes } });
      expectValidationError(response, field);
      const groups = await allGroups(http);
      expect(groups.filter((group) => group.slug === slug || group.name === name)).toEqual([]);
    });

    it('create answers 400 for a malformed JSON body', async () => {
      const slug = unique('grp');
      const response = await http.post('/api/v1/groups', {
        token: admin,
        raw: `{"name": "Broken", "slug": "${slug}",}`,
      });
      expect(response.status, response.text).toBe(400);
      expect(Object.keys(response.body)).toEqual(['error']);
      expect(response.body.error.message).toBeTypeOf('string');
      expect((await allGroups(http)).filter((group) => group.slug === slug)).toEqual([]);
    });
  });

  describe('list and get', () => {
    it('list serves every group in the contract shape, anonymously', async () => {
      const created = await createGroup(http, admin);
      const groups = await listGroups();
      expect(groups.length).toBeGreaterThan(0);
      for (const group of groups) {
        expectGroupShape(group);
        expect(group.archived_at).toBeNull();
      }
      expect(groups.find((group) => group.id === created.id)).toEqual(await getGroup(created.slug));
    });

    it('list hides archived groups by default and with include_archived=false', async () => {
      const archived = await createGroup(http, admin);
      const visible = await createGroup(http, admin);
      await archive('groups', archived.slug);
      for (const query of ['', '?include_archived=false', '?include_archived=0']) {
        const groups = await listGroups(query);
        const ids = groups.map((group) => group.id);
        expect(ids, query).not.toContain(archived.id);
        expect(ids, query).toContain(visible.id);
        expect(groups.every((group) => group.archived_at === null)).toBe(true);
      }
    });

    it('list shows archived groups with include_archived=true', async () => {
      const archived = await createGroup(http, admin);
      const visible = await createGroup(http, admin);
      await archive('groups', archived.slug);
      for (const query of ['?include_archived=true', '?include_archived=1']) {
        const groups = await listGroups(query);
        for (const group of groups) expectGroupShape(group);
        const found = groups.find((group) => group.id === archived.id);
        expect(found, query).toBeDefined();
        expect(found?.archived_at).not.toBeNull();
        expect(groups.map((group) => group.id)).toContain(visible.id);
      }
    });

    it('list answers 400 for include_archived that is not a boolean', async () => {
      expectValidationError(await http.get('/api/v1/groups?include_archived=yes'), 'include_archived');
    });

    it('list orders groups by order, then by name', async () => {
      const make = (name: string, order: number) => createGroup(http, admin, { name: `${name} ${unique()}`, order });
      const late = await make('aaa', 900_001);
      const bravo = await make('bravo', 900_000);
      const alpha = await make('alpha', 900_000);
      const first = await make('zulu', -900_000);
      const expected = [first.id, alpha.id, bravo.id, late.id];
      expect(onlyIds(await listGroups(), expected)).toEqual(expected);
    });

    it('list and get serve the member services in display order', async () => {
      const group = await createGroup(http, admin);
      const second = await createService(http, admin, { name: `beta ${unique()}`, order: 2, group_ids: [group.id] });
      const first = await createService(http, admin, { name: `alpha ${unique()}`, order: 2, group_ids: [group.id] });
      const top = await createService(http, admin, { name: `zeta ${unique()}`, order: 1, group_ids: [group.id] });
      const expected = [top.id, first.id, second.id];
      expect((await getGroup(group.slug)).service_ids).toEqual(expected);
      expect((await listGroups()).find((entry) => entry.id === group.id)?.service_ids).toEqual(expected);
    });

    it('get serves a group by slug, anonymously', async () => {
      const created = await createGroup(http, admin, { description: 'public' });
      const response = await http.get(`/api/v1/groups/${created.slug}`);
      const group = dataOf<WireGroup>(response);
      expectGroupShape(group);
      expect(group).toEqual(created);
    });

    it('get answers 404 for an unknown slug', async () => {
      expectPlainError(await http.get(`/api/v1/groups/${unique('missing')}`), 404);
    });

    it('get and list leave archived services out of service_ids', async () => {
      const group = await createGroup(http, admin);
      const kept = await createService(http, admin, { group_ids: [group.id] });
      const archived = await createService(http, admin, { group_ids: [group.id] });
      await archive('services', archived.slug);
      expect((await getGroup(group.slug)).service_ids).toEqual([kept.id]);
      expect((await listGroups()).find((entry) => entry.id === group.id)?.service_ids).toEqual([kept.id]);
    });
  });

  describe('update', () => {
    it('update changes name, slug, description, order and service_ids', async () => {
      const created = await createGroup(http, admin, { description: 'old', order: 1 });
      const member = await createService(http, admin);
      const newSlug = unique('renamed');
      const response = await http.patch(`/api/v1/groups/${created.slug}`, {
        token: admin,
        body: { name: 'Renamed group', slug: newSlug, description: 'new', order: 12, service_ids: [member.id] },
      });
      const group = dataOf<WireGroup>(response);
      expectGroupShape(group);
      expect(group).toMatchObject({
        id: created.id,
        name: 'Renamed group',
        slug: newSlug,
        description: 'new',
        order: 12,
        service_ids: [member.id],
        archived_at: null,
      });
      expect(Date.parse(group.updated_at)).toBeGreaterThanOrEqual(Date.parse(group.created_at));
      expect(await getGroup(newSlug)).toEqual(group);
      expect((await getService(member.slug)).group_ids).toEqual([created.id]);
    });

    it('update renames: the old slug answers 404 and the new one 200', async () => {
      const created = await createGroup(http, admin);
      const group = await getGroup(created.slug);
      const newSlug = unique('renamed');
      dataOf(
        await http.patch(`/api/v1/groups/${created.slug}`, { token: admin, body: patchBody(group, { slug: newSlug }) }),
      );
      expectPlainError(await http.get(`/api/v1/groups/${created.slug}`), 404);
      expect((await getGroup(newSlug)).id).toBe(created.id);
    });

    it('update with service_ids replaces the members', async () => {
      const created = await createGroup(http, admin);
      const leaving = await createService(http, admin, { group_ids: [created.id] });
      const staying = await createService(http, admin, { group_ids: [created.id] });
      const joining = await createService(http, admin);
      const group = await getGroup(created.slug);
      const updated = dataOf<WireGroup>(
        await http.patch(`/api/v1/groups/${created.slug}`, {
          token: admin,
          body: patchBody(group, { service_ids: [staying.id, joining.id] }),
        }),
      );
      expect([...updated.service_ids].sort()).toEqual([staying.id, joining.id].sort());
      expect((await getService(leaving.slug)).group_ids).toEqual([]);
      expect((await getService(staying.slug)).group_ids).toEqual([created.id]);
      expect((await getService(joining.slug)).group_ids).toEqual([created.id]);
      const listed = dataOf<WireService[]>(await http.get(`/api/v1/services?group_id=${created.id}`));
      expect(listed.map((service) => service.id).sort()).toEqual([staying.id, joining.id].sort());
    });

    it('update keeps the other groups of a service when it changes one group', async () => {
      const created = await createGroup(http, admin);
      const other = await createGroup(http, admin);
      const shared = await createService(http, admin, { group_ids: [created.id, other.id] });
      const group = await getGroup(created.slug);
      dataOf(
        await http.patch(`/api/v1/groups/${created.slug}`, {
          token: admin,
          body: patchBody(group, { service_ids: [] }),
        }),
      );
      expect((await getService(shared.slug)).group_ids).toEqual([other.id]);
      expect((await getGroup(other.slug)).service_ids).toEqual([shared.id]);
    });

    it('update with empty service_ids removes every member', async () => {
      const created = await createGroup(http, admin);
      await createService(http, admin, { group_ids: [created.id] });
      const group = await getGroup(created.slug);
      const updated = dataOf<WireGroup>(
        await http.patch(`/api/v1/groups/${created.slug}`, {
          token: admin,
          body: patchBody(group, { service_ids: [] }),
        }),
      );
      expect(updated.service_ids).toEqual([]);
      expect((await getGroup(created.slug)).service_ids).toEqual([]);
    });

    it('update without the optional fields keeps description, order and members', async () => {
      const created = await createGroup(http, admin, { description: 'kept', order: 4 });
      const member = await createService(http, admin, { group_ids: [created.id] });
      const updated = dataOf<WireGroup>(
        await http.patch(`/api/v1/groups/${created.slug}`, {
          token: admin,
          body: { name: 'Only the name', slug: created.slug },
        }),
      );
      expect(updated).toMatchObject({ name: 'Only the name', description: 'kept', order: 4, service_ids: [member.id] });
    });

    it('update answers 400 naming service_ids for an unknown service id and changes nothing', async () => {
      const created = await createGroup(http, admin);
      const member = await createService(http, admin, { group_ids: [created.id] });
      const group = await getGroup(created.slug);
      const response = await http.patch(`/api/v1/groups/${created.slug}`, {
        token: admin,
        body: patchBody(group, { name: 'Changed', service_ids: [member.id, '00000000-0000-4000-8000-000000000000'] }),
      });
      expectValidationError(response, 'service_ids');
      expect(await getGroup(created.slug)).toEqual(group);
      expect((await getService(member.slug)).group_ids).toEqual([created.id]);
    });

    it('update answers 400 naming service_ids for an archived service', async () => {
      const created = await createGroup(http, admin);
      const archived = await createService(http, admin);
      await archive('services', archived.slug);
      const group = await getGroup(created.slug);
      const response = await http.patch(`/api/v1/groups/${created.slug}`, {
        token: admin,
        body: patchBody(group, { service_ids: [archived.id] }),
      });
      expectValidationError(response, 'service_ids');
      expect(await getGroup(created.slug)).toEqual(group);
    });

    it('update answers 409 when renaming to a slug that is taken', async () => {
      const taken = await createGroup(http, admin);
      const created = await createGroup(http, admin);
      const group = await getGroup(created.slug);
      const response = await http.patch(`/api/v1/groups/${created.slug}`, {
        token: admin,
        body: patchBody(group, { slug: taken.slug, name: 'Clash' }),
      });
      expectPlainError(response, 409);
      expect(await getGroup(created.slug)).toEqual(group);
      expect((await getGroup(taken.slug)).id).toBe(taken.id);
    });

    it('update answers 404 for an unknown slug', async () => {
      const response = await http.patch(`/api/v1/groups/${unique('missing')}`, {
        token: admin,
        body: { name: 'Ghost', slug: unique('ghost') },
      });
      expectPlainError(response, 404);
    });

    it.each([
      ['a missing name', { name: undefined }, 'name'],
      ['a missing slug', { slug: undefined }, null],
      ['an invalid new slug', { slug: 'a--b' }, null],
      ['order as a string', { order: '5' }, 'order'],
      ['a fractional order', { order: 1.5 }, 'order'],
      ['service_ids as a string', { service_ids: 'x' }, 'service_ids'],
      ['a service id that is not a uuid', { service_ids: ['x'] }, 'service_ids.0'],
      ['an unknown field', { colour: 'red' }, 'colour'],
    ])('update answers 400 for %s and changes nothing', async (_case, changes, field) => {
      const created = await createGroup(http, admin);
      const group = await getGroup(created.slug);
      const body: Record<string, unknown> = patchBody(group, { description: 'changed', ...changes });
      const response = await http.patch(`/api/v1/groups/${created.slug}`, { token: admin, body });
      // The body's `slug` is checked by name in the services' known-bug test (same adapter cause).
      if (field === null) expectValidationError(response);
      else expectValidationError(response, field);
      expect(await getGroup(created.slug)).toEqual(group);
    });

    it('update answers 400 for a malformed JSON body', async () => {
      const created = await createGroup(http, admin);
      const group = await getGroup(created.slug);
      const response = await http.patch(`/api/v1/groups/${created.slug}`, { token: admin, raw: 'not json' });
      expect(response.status, response.text).toBe(400);
      expect(Object.keys(response.body)).toEqual(['error']);
      expect(await getGroup(created.slug)).toEqual(group);
    });
  });

  describe('archive and restore', () => {
    it('archive of a group without services answers 204 without a body', async () => {
      const created = await createGroup(http, admin);
      const before = Date.now();
      const response = await http.delete(`/api/v1/groups/${created.slug}`, { token: admin });
      expect(response.status, response.text).toBe(204);
      expect(response.text).toBe('');
      expect((await listGroups()).map((group) => group.id)).not.toContain(created.id);
      const group = await getGroup(created.slug);
      expectGroupShape(group);
      expect(group.archived_at).not.toBeNull();
      expect(Date.parse(group.archived_at as string)).toBeGreaterThanOrEqual(before - 5_000);
    });

    it('archive answers 409 while the group has services that are not archived', async () => {
      const created = await createGroup(http, admin);
      const member = await createService(http, admin, { group_ids: [created.id] });
      expectPlainError(await http.delete(`/api/v1/groups/${created.slug}`, { token: admin }), 409);
      expect((await getGroup(created.slug)).archived_at).toBeNull();
      expect((await listGroups()).map((group) => group.id)).toContain(created.id);
      expect((await getService(member.slug)).group_ids).toEqual([created.id]);
    });

    it('archive succeeds once every member service is archived', async () => {
      const created = await createGroup(http, admin);
      const member = await createService(http, admin, { group_ids: [created.id] });
      await archive('services', member.slug);
      await archive('groups', created.slug);
      expect((await getGroup(created.slug)).archived_at).not.toBeNull();
    });

    it('archive hides the group from the group_ids of its services', async () => {
      const created = await createGroup(http, admin);
      const other = await createGroup(http, admin);
      const member = await createService(http, admin, { group_ids: [created.id, other.id] });
      // Move the service out so the group can be archived, then check the remaining membership.
      const group = await getGroup(created.slug);
      dataOf(
        await http.patch(`/api/v1/groups/${created.slug}`, {
          token: admin,
          body: patchBody(group, { service_ids: [] }),
        }),
      );
      await archive('groups', created.slug);
      expect((await getService(member.slug)).group_ids).toEqual([other.id]);
    });

    it('restore answers 200 with the group and archived_at null', async () => {
      const created = await createGroup(http, admin, { description: 'back again', order: 5 });
      await archive('groups', created.slug);
      const group = dataOf<WireGroup>(await http.post(`/api/v1/groups/${created.slug}/restore`, { token: admin }));
      expectGroupShape(group);
      expect(group).toMatchObject({
        id: created.id,
        slug: created.slug,
        description: 'back again',
        order: 5,
        service_ids: [],
        archived_at: null,
      });
      expect(await getGroup(created.slug)).toEqual(group);
      expect((await listGroups()).map((entry) => entry.id)).toContain(created.id);
    });

    it('restore answers 409 for a group that is not archived', async () => {
      const created = await createGroup(http, admin);
      const group = await getGroup(created.slug);
      expectPlainError(await http.post(`/api/v1/groups/${created.slug}/restore`, { token: admin }), 409);
      expect(await getGroup(created.slug)).toEqual(group);
    });

    it('archive and restore answer 404 for an unknown slug', async () => {
      expectPlainError(await http.delete(`/api/v1/groups/${unique('missing')}`, { token: admin }), 404);
      expectPlainError(await http.post(`/api/v1/groups/${unique('missing')}/restore`, { token: admin }), 404);
    });
  });

  describe('access', () => {
    let operator: string;
    let user: string;
    beforeAll(async () => {
      operator = (await createAccount(http, 'operator')).token;
      user = (await createAccount(http, 'user')).token;
    });
    const denied = () =>
      [
        [undefined, 401],
        ['not-a-token', 401],
        [user, 403],
        [operator, 403],
      ] as const;

    it('public reads work anonymously', async () => {
      const group = await createGroup(http, admin);
      expect((await http.get('/api/v1/groups')).status).toBe(200);
      expect((await http.get(`/api/v1/groups/${group.slug}`)).status).toBe(200);
    });

    it('create requires the admin role', async () => {
      for (const [token, status] of denied()) {
        const slug = unique('grp');
        expectPlainError(await http.post('/api/v1/groups', { token, body: { name: 'Denied', slug } }), status);
        expect((await allGroups(http)).filter((group) => group.slug === slug)).toEqual([]);
      }
    });

    it('update requires the admin role', async () => {
      const created = await createGroup(http, admin);
      const group = await getGroup(created.slug);
      for (const [token, status] of denied()) {
        const response = await http.patch(`/api/v1/groups/${created.slug}`, {
          token,
          body: { name: 'Denied', slug: unique('denied') },
        });
        expectPlainError(response, status);
      }
      expect(await getGroup(created.slug)).toEqual(group);
    });

    it('archive requires the admin role', async () => {
      const created = await createGroup(http, admin);
      for (const [token, status] of denied()) {
        expectPlainError(await http.delete(`/api/v1/groups/${created.slug}`, { token }), status);
      }
      expect((await getGroup(created.slug)).archived_at).toBeNull();
    });

    it('restore requires the admin role', async () => {
      const created = await createGroup(http, admin);
      await archive('groups', created.slug);
      for (const [token, status] of denied()) {
        expectPlainError(await http.post(`/api/v1/groups/${created.slug}/restore`, { token }), status);
      }
      expect((await getGroup(created.slug)).archived_at).not.toBeNull();
    });
  });
});
