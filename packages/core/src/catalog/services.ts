import type { CreateServiceInput, Service, ServiceStatus } from '@statuspage/contracts';
import type { Database } from '@statuspage/db';
import { changedColumns, sameIds } from '../shared/patch';
import { isUniqueViolation } from '../shared/pg-errors';
import { CatalogErrors } from './errors';
import type { CatalogDeps } from './ports';
import { refreshAfterEntries } from './status-days';
import {
  findServiceRow,
  insertService,
  insertServiceTags,
  insertStatusLogEntry,
  missingGroups,
  replaceServiceGroups,
  replaceServiceTags,
  selectEventStatusChanges,
  selectServiceTags,
  selectStatusLog,
  serviceGroupIds,
  updateService,
} from './store';
import { selectServiceViews, toStatusLogEntryDto } from './views';

export interface UpdateServiceCommand {
  slug: string;
  new_slug: string;
  name: string;
  description?: string | undefined;
  status: ServiceStatus;
  group_ids?: string[] | undefined;
  order?: number | undefined;
  reason?: string | undefined;
}

/** Fails unless every id names a group that exists and is not archived. */
export async function assertGroupsExist(tx: Database, ids: readonly string[]) {
  const wanted = [...new Set(ids)];
  const missing = await missingGroups(tx, wanted);
  if (missing.length > 0) throw CatalogErrors.unknownGroups(missing);
  return wanted;
}

/** Services: CRUD, archive/restore, tags and the status log. */
export function createServiceUseCases(deps: CatalogDeps) {
  const { db, clock } = deps;

  async function findRow(tx: Database, slug: string, lock = false) {
    // Locking serialises concurrent changes, so status-log entries chain old → new correctly.
    const row = await findServiceRow(tx, slug, lock);
    if (!row) throw CatalogErrors.serviceNotFound();
    return row;
  }

  async function view(tx: Database, id: string): Promise<Service> {
    const [service] = await selectServiceViews(tx, { ids: [id], includeArchived: true });
    if (!service) throw CatalogErrors.serviceNotFound();
    return service;
  }

  return {
    /** Lists services (archived ones only on request), filtered by group or effective status. */
    list(filter: { group_id?: string | undefined; status?: ServiceStatus | undefined; include_archived: boolean }) {
      return selectServiceViews(db, {
        ...(filter.group_id ? { groupId: filter.group_id } : {}),
        ...(filter.status ? { status: filter.status } : {}),
        includeArchived: filter.include_archived,
      });
    },

    /** One service by slug, archived or not. */
    async get(slug: string): Promise<Service> {
      const [service] = await selectServiceViews(db, { slug, includeArchived: true });
      if (!service) throw CatalogErrors.serviceNotFound();
      return service;
    },

    /** Creates a service in its groups with its tags; its first status is logged. */
    async create(actorId: string, input: CreateServiceInput): Promise<Service> {
      try {
        return await db.transaction(async (tx) => {
          const groupIds = await assertGroupsExist(tx, input.group_ids);
          const row = await insertService(tx, {
            name: input.name,
            slug: input.slug,
            description: input.description,
            status: input.status,
            order: input.order,
          });
          await replaceServiceGroups(tx, row.id, groupIds);
          await insertServiceTags(tx, row.id, Object.entries(input.tags ?? {}));
          const created = await view(tx, row.id);
          const at = clock();
          await insertStatusLogEntry(tx, {
            serviceId: row.id,
            oldStatus: null,
            newStatus: row.status,
            effectiveStatus: created.effective_status,
            sourceType: 'manual',
            reason: 'service created',
            createdBy: actorId,
            createdAt: at,
          });
          await refreshAfterEntries(tx, [row.id], at);
          return created;
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw CatalogErrors.serviceSlugTaken();
        throw error;
      }
    },

    /** Updates a service; a change of status is logged with its reason. Changing nothing writes nothing. */
    async update(actorId: string, input: UpdateServiceCommand): Promise<Service> {
      try {
        return await db.transaction(async (tx) => {
          const before = await findRow(tx, input.slug, true);
          let groupIds = input.group_ids ? await assertGroupsExist(tx, input.group_ids) : undefined;
          if (groupIds && sameIds(groupIds, await serviceGroupIds(tx, before.id))) groupIds = undefined;
          const changed = changedColumns(before, {
            name: input.name,
            slug: input.new_slug,
            status: input.status,
            description: input.description,
            order: input.order,
          });
          if (Object.keys(changed).length === 0 && !groupIds) return view(tx, before.id);
          await updateService(tx, before.id, { ...changed, updatedAt: clock() });
          if (groupIds) await replaceServiceGroups(tx, before.id, groupIds);
          const after = await view(tx, before.id);
          if (before.status !== input.status) {
            // During an active event the stored status changes, what visitors see may not.
            const at = clock();
            await insertStatusLogEntry(tx, {
              serviceId: before.id,
              oldStatus: before.status,
              newStatus: input.status,
              effectiveStatus: after.effective_status,
              sourceType: 'manual',
              reason: input.reason ?? '',
              createdBy: actorId,
              createdAt: at,
            });
            await refreshAfterEntries(tx, [before.id], at);
          }
          return after;
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw CatalogErrors.serviceSlugTaken();
        throw error;
      }
    },

    /** Archives a service; refused while it is in an active event. Archiving twice is a no-op. */
    async archive(slug: string) {
      await db.transaction(async (tx) => {
        const row = await findRow(tx, slug, true);
        if (row.archivedAt) return;
        if ((await deps.events.servicesInActiveEvents(tx, [row.id])).length > 0)
          throw CatalogErrors.inActiveEvent('service');
        await updateService(tx, row.id, { archivedAt: clock(), updatedAt: clock() });
      });
    },

    /** Brings an archived service back. */
    async restore(slug: string): Promise<Service> {
      return db.transaction(async (tx) => {
        const row = await findRow(tx, slug);
        if (!row.archivedAt) throw CatalogErrors.notArchived('service');
        await updateService(tx, row.id, { archivedAt: null, updatedAt: clock() });
        return view(tx, row.id);
      });
    },

    /** The service's tags (key → value). */
    async getTags(slug: string): Promise<Record<string, string>> {
      const row = await findRow(db, slug);
      return selectServiceTags(db, row.id);
    },

    /** Replaces all tags of a service. */
    async setTags(slug: string, tags: Record<string, string>): Promise<Record<string, string>> {
      return db.transaction(async (tx) => {
        const row = await findRow(tx, slug);
        const entries = Object.entries(tags);
        await replaceServiceTags(tx, row.id, entries);
        await updateService(tx, row.id, { updatedAt: clock() });
        return Object.fromEntries(entries);
      });
    },

    /** The status log of a service, newest first. */
    async statusLog(slug: string, page: { limit: number; offset: number }) {
      const row = await findRow(db, slug);
      const { entries, total } = await selectStatusLog(db, row.id, page);
      return {
        entries: entries.map(toStatusLogEntryDto),
        total,
        limit: page.limit,
        offset: page.offset,
      };
    },

    /** The status changes events caused, oldest first (each at the time of the timeline entry that caused it). */
    async eventStatusChanges(eventIds: readonly string[]) {
      return (await selectEventStatusChanges(db, eventIds)).map(toStatusLogEntryDto);
    },
  };
}
export type ServiceUseCases = ReturnType<typeof createServiceUseCases>;
