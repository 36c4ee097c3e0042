import { describe, expect, it } from 'vitest';
import { unique } from './support/api';
import {
  allGroups,
  dataOf,
  expectGroupShape,
  expectPlainError,
  expectValidationError,
  getGroup,
  getService,
  listGroups,
  onlyIds,
  type WireGroup,
  type WireService,
} from './support/catalog';
import { createGroup, createService } from './support/factories';
import { useApiFixture } from './support/fixture';

describe('catalog groups', () => {
  const t = useApiFixture();

  const archive = async (kind: 'groups' | 'services', slug: string) => {
    const response = await t.http.delete(`/api/v1/${kind}/${slug}`, { token: t.admin });
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
        await t.http.post('/api/v1/groups', { token: t.admin, body: { name: 'Core platform', slug } }),
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
      expect(await getGroup(t.http, slug)).toEqual(group);
    });

    it('create stores description and order', async () => {
      const slug = unique('grp');
      const group = dataOf<WireGroup>(
        await t.http.post('/api/v1/groups', {
          token: t.admin,
          body: { name: 'Edge', slug, description: 'CDN and DNS', order: -3 },
        }),
        201,
      );
      expectGroupShape(group);
      expect(group).toMatchObject({ name: 'Edge', slug, description: 'CDN and DNS', order: -3, service_ids: [] });
      expect(await getGroup(t.http, slug)).toEqual(group);
    });

    it('create answers 409 for a slug that is taken', async () => {
      const existing = await createGroup(t.http, t.admin, { description: 'the original' });
      expectPlainError(
        await t.http.post('/api/v1/groups', { token: t.admin, body: { name: 'Copy', slug: existing.slug } }),
        409,
      );
      const groups = (await allGroups(t.http)).filter((group) => group.slug === existing.slug);
      expect(groups).toHaveLength(1);
      expect(groups[0]).toMatchObject({ id: existing.id, description: 'the original' });
    });

    it('create answers 409 for the slug of an archived group', async () => {
      const existing = await createGroup(t.http, t.admin);
      await archive('groups', existing.slug);
      expectPlainError(
        await t.http.post('/api/v1/groups', { token: t.admin, body: { name: 'Copy', slug: existing.slug } }),
        409,
      );
      expect((await allGroups(t.http)).filter((group) => group.slug === existing.slug).map((g) => g.id)).toEqual([
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
      const response = await t.http.post('/api/v1/groups', { token: t.admin, body: { name, slug, ...changes } });
      expectValidationError(response, field);
      const groups = await allGroups(t.http);
      expect(groups.filter((group) => group.slug === slug || group.name === name)).toEqual([]);
    });

    it('create answers 400 for a malformed JSON body', async () => {
      const slug = unique('grp');
      const response = await t.http.post('/api/v1/groups', {
        token: t.admin,
        raw: `{"name": "Broken", "slug": "${slug}",}`,
      });
      expect(response.status, response.text).toBe(400);
      expect(Object.keys(response.body)).toEqual(['error']);
      expect(response.body.error.message).toBeTypeOf('string');
      expect((await allGroups(t.http)).filter((group) => group.slug === slug)).toEqual([]);
    });
  });

  describe('list and get', () => {
    it('list serves every group in the contract shape, anonymously', async () => {
      const created = await createGroup(t.http, t.admin);
      const groups = await listGroups(t.http);
      expect(groups.length).toBeGreaterThan(0);
      for (const group of groups) {
        expectGroupShape(group);
        expect(group.archived_at).toBeNull();
      }
      expect(groups.find((group) => group.id === created.id)).toEqual(await getGroup(t.http, created.slug));
    });

    it('list hides archived groups by default and with include_archived=false', async () => {
      const archived = await createGroup(t.http, t.admin);
      const visible = await createGroup(t.http, t.admin);
      await archive('groups', archived.slug);
      for (const query of ['', '?include_archived=false', '?include_archived=0']) {
        const groups = await listGroups(t.http, query);
        const ids = groups.map((group) => group.id);
        expect(ids, query).not.toContain(archived.id);
        expect(ids, query).toContain(visible.id);
        expect(groups.every((group) => group.archived_at === null)).toBe(true);
      }
    });

    it('list shows archived groups with include_archived=true', async () => {
      const archived = await createGroup(t.http, t.admin);
      const visible = await createGroup(t.http, t.admin);
      await archive('groups', archived.slug);
      for (const query of ['?include_archived=true', '?include_archived=1']) {
        const groups = await listGroups(t.http, query);
        for (const group of groups) expectGroupShape(group);
        const found = groups.find((group) => group.id === archived.id);
        expect(found, query).toBeDefined();
        expect(found?.archived_at).not.toBeNull();
        expect(groups.map((group) => group.id)).toContain(visible.id);
      }
    });

    it('list answers 400 for include_archived that is not a boolean', async () => {
      expectValidationError(await t.http.get('/api/v1/groups?include_archived=yes'), 'include_archived');
    });

    it('list orders groups by order, then by name', async () => {
      const make = (name: string, order: number) =>
        createGroup(t.http, t.admin, { name: `${name} ${unique()}`, order });
      const late = await make('aaa', 900_001);
      const bravo = await make('bravo', 900_000);
      const alpha = await make('alpha', 900_000);
      const first = await make('zulu', -900_000);
      const expected = [first.id, alpha.id, bravo.id, late.id];
      expect(onlyIds(await listGroups(t.http), expected)).toEqual(expected);
    });

    it('list and get serve the member services in display order', async () => {
      const group = await createGroup(t.http, t.admin);
      const second = await createService(t.http, t.admin, {
        name: `beta ${unique()}`,
        order: 2,
        group_ids: [group.id],
      });
      const first = await createService(t.http, t.admin, {
        name: `alpha ${unique()}`,
        order: 2,
        group_ids: [group.id],
      });
      const top = await createService(t.http, t.admin, { name: `zeta ${unique()}`, order: 1, group_ids: [group.id] });
      const expected = [top.id, first.id, second.id];
      expect((await getGroup(t.http, group.slug)).service_ids).toEqual(expected);
      expect((await listGroups(t.http)).find((entry) => entry.id === group.id)?.service_ids).toEqual(expected);
    });

    it('get serves a group by slug, anonymously', async () => {
      const created = await createGroup(t.http, t.admin, { description: 'public' });
      const response = await t.http.get(`/api/v1/groups/${created.slug}`);
      const group = dataOf<WireGroup>(response);
      expectGroupShape(group);
      expect(group).toEqual(created);
    });

    it('get answers 404 for an unknown slug', async () => {
      expectPlainError(await t.http.get(`/api/v1/groups/${unique('missing')}`), 404);
    });

    it('get and list leave archived services out of service_ids', async () => {
      const group = await createGroup(t.http, t.admin);
      const kept = await createService(t.http, t.admin, { group_ids: [group.id] });
      const archived = await createService(t.http, t.admin, { group_ids: [group.id] });
      await archive('services', archived.slug);
      expect((await getGroup(t.http, group.slug)).service_ids).toEqual([kept.id]);
      expect((await listGroups(t.http)).find((entry) => entry.id === group.id)?.service_ids).toEqual([kept.id]);
    });
  });

  describe('update', () => {
    it('update changes name, slug, description, order and service_ids', async () => {
      const created = await createGroup(t.http, t.admin, { description: 'old', order: 1 });
      const member = await createService(t.http, t.admin);
      const newSlug = unique('renamed');
      const response = await t.http.patch(`/api/v1/groups/${created.slug}`, {
        token: t.admin,
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
      expect(await getGroup(t.http, newSlug)).toEqual(group);
      expect((await getService(t.http, member.slug)).group_ids).toEqual([created.id]);
    });

    it('update renames: the old slug answers 404 and the new one 200', async () => {
      const created = await createGroup(t.http, t.admin);
      const group = await getGroup(t.http, created.slug);
      const newSlug = unique('renamed');
      dataOf(
        await t.http.patch(`/api/v1/groups/${created.slug}`, {
          token: t.admin,
          body: patchBody(group, { slug: newSlug }),
        }),
      );
      expectPlainError(await t.http.get(`/api/v1/groups/${created.slug}`), 404);
      expect((await getGroup(t.http, newSlug)).id).toBe(created.id);
    });

    it('update with service_ids replaces the members', async () => {
      const created = await createGroup(t.http, t.admin);
      const leaving = await createService(t.http, t.admin, { group_ids: [created.id] });
      const staying = await createService(t.http, t.admin, { group_ids: [created.id] });
      const joining = await createService(t.http, t.admin);
      const group = await getGroup(t.http, created.slug);
      const updated = dataOf<WireGroup>(
        await t.http.patch(`/api/v1/groups/${created.slug}`, {
          token: t.admin,
          body: patchBody(group, { service_ids: [staying.id, joining.id] }),
        }),
      );
      expect([...updated.service_ids].sort()).toEqual([staying.id, joining.id].sort());
      expect((await getService(t.http, leaving.slug)).group_ids).toEqual([]);
      expect((await getService(t.http, staying.slug)).group_ids).toEqual([created.id]);
      expect((await getService(t.http, joining.slug)).group_ids).toEqual([created.id]);
      const listed = dataOf<WireService[]>(await t.http.get(`/api/v1/services?group_id=${created.id}`));
      expect(listed.map((service) => service.id).sort()).toEqual([staying.id, joining.id].sort());
    });

    it('update keeps the other groups of a service when it changes one group', async () => {
      const created = await createGroup(t.http, t.admin);
      const other = await createGroup(t.http, t.admin);
      const shared = await createService(t.http, t.admin, { group_ids: [created.id, other.id] });
      const group = await getGroup(t.http, created.slug);
      dataOf(
        await t.http.patch(`/api/v1/groups/${created.slug}`, {
          token: t.admin,
          body: patchBody(group, { service_ids: [] }),
        }),
      );
      expect((await getService(t.http, shared.slug)).group_ids).toEqual([other.id]);
      expect((await getGroup(t.http, other.slug)).service_ids).toEqual([shared.id]);
    });

    it('update with empty service_ids removes every member', async () => {
      const created = await createGroup(t.http, t.admin);
      await createService(t.http, t.admin, { group_ids: [created.id] });
      const group = await getGroup(t.http, created.slug);
      const updated = dataOf<WireGroup>(
        await t.http.patch(`/api/v1/groups/${created.slug}`, {
          token: t.admin,
          body: patchBody(group, { service_ids: [] }),
        }),
      );
      expect(updated.service_ids).toEqual([]);
      expect((await getGroup(t.http, created.slug)).service_ids).toEqual([]);
    });

    it('update without the optional fields keeps description, order and members', async () => {
      const created = await createGroup(t.http, t.admin, { description: 'kept', order: 4 });
      const member = await createService(t.http, t.admin, { group_ids: [created.id] });
      const updated = dataOf<WireGroup>(
        await t.http.patch(`/api/v1/groups/${created.slug}`, {
          token: t.admin,
          body: { name: 'Only the name', slug: created.slug },
        }),
      );
      expect(updated).toMatchObject({ name: 'Only the name', description: 'kept', order: 4, service_ids: [member.id] });
    });

    it('update answers 400 naming service_ids for an unknown service id and changes nothing', async () => {
      const created = await createGroup(t.http, t.admin);
      const member = await createService(t.http, t.admin, { group_ids: [created.id] });
      const group = await getGroup(t.http, created.slug);
      const response = await t.http.patch(`/api/v1/groups/${created.slug}`, {
        token: t.admin,
        body: patchBody(group, { name: 'Changed', service_ids: [member.id, '00000000-0000-4000-8000-000000000000'] }),
      });
      expectValidationError(response, 'service_ids');
      expect(await getGroup(t.http, created.slug)).toEqual(group);
      expect((await getService(t.http, member.slug)).group_ids).toEqual([created.id]);
    });

    it('update answers 400 naming service_ids for an archived service', async () => {
      const created = await createGroup(t.http, t.admin);
      const archived = await createService(t.http, t.admin);
      await archive('services', archived.slug);
      const group = await getGroup(t.http, created.slug);
      const response = await t.http.patch(`/api/v1/groups/${created.slug}`, {
        token: t.admin,
        body: patchBody(group, { service_ids: [archived.id] }),
      });
      expectValidationError(response, 'service_ids');
      expect(await getGroup(t.http, created.slug)).toEqual(group);
    });

    it('update answers 409 when renaming to a slug that is taken', async () => {
      const taken = await createGroup(t.http, t.admin);
      const created = await createGroup(t.http, t.admin);
      const group = await getGroup(t.http, created.slug);
      const response = await t.http.patch(`/api/v1/groups/${created.slug}`, {
        token: t.admin,
        body: patchBody(group, { slug: taken.slug, name: 'Clash' }),
      });
      expectPlainError(response, 409);
      expect(await getGroup(t.http, created.slug)).toEqual(group);
      expect((await getGroup(t.http, taken.slug)).id).toBe(taken.id);
    });

    it('update answers 404 for an unknown slug', async () => {
      const response = await t.http.patch(`/api/v1/groups/${unique('missing')}`, {
        token: t.admin,
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
      const created = await createGroup(t.http, t.admin);
      const group = await getGroup(t.http, created.slug);
      const body: Record<string, unknown> = patchBody(group, { description: 'changed', ...changes });
      const response = await t.http.patch(`/api/v1/groups/${created.slug}`, { token: t.admin, body });
      // The body's `slug` is checked by name in the services' known-bug test (same adapter cause).
      if (field === null) expectValidationError(response);
      else expectValidationError(response, field);
      expect(await getGroup(t.http, created.slug)).toEqual(group);
    });

    it('update answers 400 for a malformed JSON body', async () => {
      const created = await createGroup(t.http, t.admin);
      const group = await getGroup(t.http, created.slug);
      const response = await t.http.patch(`/api/v1/groups/${created.slug}`, { token: t.admin, raw: 'not json' });
      expect(response.status, response.text).toBe(400);
      expect(Object.keys(response.body)).toEqual(['error']);
      expect(await getGroup(t.http, created.slug)).toEqual(group);
    });
  });

  describe('archive and restore', () => {
    it('archive of a group without services answers 204 without a body', async () => {
      const created = await createGroup(t.http, t.admin);
      const before = Date.now();
      const response = await t.http.delete(`/api/v1/groups/${created.slug}`, { token: t.admin });
      expect(response.status, response.text).toBe(204);
      expect(response.text).toBe('');
      expect((await listGroups(t.http)).map((group) => group.id)).not.toContain(created.id);
      const group = await getGroup(t.http, created.slug);
      expectGroupShape(group);
      expect(group.archived_at).not.toBeNull();
      expect(Date.parse(group.archived_at as string)).toBeGreaterThanOrEqual(before - 5_000);
    });

    it('archive answers 409 while the group has services that are not archived', async () => {
      const created = await createGroup(t.http, t.admin);
      const member = await createService(t.http, t.admin, { group_ids: [created.id] });
      expectPlainError(await t.http.delete(`/api/v1/groups/${created.slug}`, { token: t.admin }), 409);
      expect((await getGroup(t.http, created.slug)).archived_at).toBeNull();
      expect((await listGroups(t.http)).map((group) => group.id)).toContain(created.id);
      expect((await getService(t.http, member.slug)).group_ids).toEqual([created.id]);
    });

    it('archive succeeds once every member service is archived', async () => {
      const created = await createGroup(t.http, t.admin);
      const member = await createService(t.http, t.admin, { group_ids: [created.id] });
      await archive('services', member.slug);
      await archive('groups', created.slug);
      expect((await getGroup(t.http, created.slug)).archived_at).not.toBeNull();
    });

    it('archive hides the group from the group_ids of its services', async () => {
      const created = await createGroup(t.http, t.admin);
      const other = await createGroup(t.http, t.admin);
      const member = await createService(t.http, t.admin, { group_ids: [created.id, other.id] });
      // Move the service out so the group can be archived, then check the remaining membership.
      const group = await getGroup(t.http, created.slug);
      dataOf(
        await t.http.patch(`/api/v1/groups/${created.slug}`, {
          token: t.admin,
          body: patchBody(group, { service_ids: [] }),
        }),
      );
      await archive('groups', created.slug);
      expect((await getService(t.http, member.slug)).group_ids).toEqual([other.id]);
    });

    it('restore answers 200 with the group and archived_at null', async () => {
      const created = await createGroup(t.http, t.admin, { description: 'back again', order: 5 });
      await archive('groups', created.slug);
      const group = dataOf<WireGroup>(await t.http.post(`/api/v1/groups/${created.slug}/restore`, { token: t.admin }));
      expectGroupShape(group);
      expect(group).toMatchObject({
        id: created.id,
        slug: created.slug,
        description: 'back again',
        order: 5,
        service_ids: [],
        archived_at: null,
      });
      expect(await getGroup(t.http, created.slug)).toEqual(group);
      expect((await listGroups(t.http)).map((entry) => entry.id)).toContain(created.id);
    });

    it('restore answers 409 for a group that is not archived', async () => {
      const created = await createGroup(t.http, t.admin);
      const group = await getGroup(t.http, created.slug);
      expectPlainError(await t.http.post(`/api/v1/groups/${created.slug}/restore`, { token: t.admin }), 409);
      expect(await getGroup(t.http, created.slug)).toEqual(group);
    });

    it('archive and restore answer 404 for an unknown slug', async () => {
      expectPlainError(await t.http.delete(`/api/v1/groups/${unique('missing')}`, { token: t.admin }), 404);
      expectPlainError(await t.http.post(`/api/v1/groups/${unique('missing')}/restore`, { token: t.admin }), 404);
    });
  });

  describe('access', () => {
    const denied = () =>
      [
        [undefined, 401],
        ['not-a-token', 401],
        [t.user.token, 403],
        [t.operator.token, 403],
      ] as const;

    it('public reads work anonymously', async () => {
      const group = await createGroup(t.http, t.admin);
      expect((await t.http.get('/api/v1/groups')).status).toBe(200);
      expect((await t.http.get(`/api/v1/groups/${group.slug}`)).status).toBe(200);
    });

    it('create requires the admin role', async () => {
      for (const [token, status] of denied()) {
        const slug = unique('grp');
        expectPlainError(await t.http.post('/api/v1/groups', { token, body: { name: 'Denied', slug } }), status);
        expect((await allGroups(t.http)).filter((group) => group.slug === slug)).toEqual([]);
      }
    });

    it('update requires the admin role', async () => {
      const created = await createGroup(t.http, t.admin);
      const group = await getGroup(t.http, created.slug);
      for (const [token, status] of denied()) {
        const response = await t.http.patch(`/api/v1/groups/${created.slug}`, {
          token,
          body: { name: 'Denied', slug: unique('denied') },
        });
        expectPlainError(response, status);
      }
      expect(await getGroup(t.http, created.slug)).toEqual(group);
    });

    it('archive requires the admin role', async () => {
      const created = await createGroup(t.http, t.admin);
      for (const [token, status] of denied()) {
        expectPlainError(await t.http.delete(`/api/v1/groups/${created.slug}`, { token }), status);
      }
      expect((await getGroup(t.http, created.slug)).archived_at).toBeNull();
    });

    it('restore requires the admin role', async () => {
      const created = await createGroup(t.http, t.admin);
      await archive('groups', created.slug);
      for (const [token, status] of denied()) {
        expectPlainError(await t.http.post(`/api/v1/groups/${created.slug}/restore`, { token }), status);
      }
      expect((await getGroup(t.http, created.slug)).archived_at).not.toBeNull();
    });
  });
});
