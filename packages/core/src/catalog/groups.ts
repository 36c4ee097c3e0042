import type { CreateGroupInput, Group } from '@statuspage/contracts';
import type { Database } from '@statuspage/db';
import { changedColumns, sameIds } from '../shared/patch';
import { isUniqueViolation } from '../shared/pg-errors';
import { CatalogErrors } from './errors';
import type { CatalogDeps } from './ports';
import {
  findGroupRow,
  groupActiveServiceIds,
  groupServiceIds,
  insertGroup,
  missingServices,
  replaceGroupServices,
  updateGroup,
} from './store';
import { selectGroupViews } from './views';

export interface UpdateGroupCommand {
  slug: string;
  new_slug: string;
  name: string;
  description?: string | undefined;
  order?: number | undefined;
  service_ids?: string[] | undefined;
}

/** Groups: CRUD with their services (M:N), archive/restore. */
export function createGroupUseCases(deps: CatalogDeps) {
  const { db, clock } = deps;

  async function findRow(tx: Database, slug: string) {
    const row = await findGroupRow(tx, slug);
    if (!row) throw CatalogErrors.groupNotFound();
    return row;
  }

  async function view(tx: Database, id: string): Promise<Group> {
    const [group] = await selectGroupViews(tx, { id, archivedGroups: true });
    if (!group) throw CatalogErrors.groupNotFound();
    return group;
  }

  return {
    /** Lists groups (archived ones only on request). */
    list(filter: { include_archived: boolean }) {
      return selectGroupViews(db, { includeArchived: filter.include_archived });
    },

    /** One group by slug, archived or not. */
    async get(slug: string): Promise<Group> {
      const [group] = await selectGroupViews(db, { slug, archivedGroups: true });
      if (!group) throw CatalogErrors.groupNotFound();
      return group;
    },

    /** Creates an empty group. */
    async create(input: CreateGroupInput): Promise<Group> {
      try {
        return await db.transaction(async (tx) => {
          const row = await insertGroup(tx, {
            name: input.name,
            slug: input.slug,
            description: input.description,
            order: input.order,
          });
          return view(tx, row.id);
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw CatalogErrors.groupSlugTaken();
        throw error;
      }
    },

    /** Updates a group; `service_ids`, when given, replaces its members. Changing nothing writes nothing. */
    async update(input: UpdateGroupCommand): Promise<Group> {
      try {
        return await db.transaction(async (tx) => {
          const row = await findRow(tx, input.slug);
          let members = input.service_ids ? [...new Set(input.service_ids)] : undefined;
          if (members && sameIds(members, await groupServiceIds(tx, row.id))) members = undefined;
          const changed = changedColumns(row, {
            name: input.name,
            slug: input.new_slug,
            description: input.description,
            order: input.order,
          });
          if (Object.keys(changed).length === 0 && !members) return view(tx, row.id);
          if (members) {
            const wanted = members;
            const missing = await missingServices(tx, wanted);
            if (missing.length > 0) throw CatalogErrors.unknownServices(missing);
            await replaceGroupServices(tx, row.id, wanted);
          }
          await updateGroup(tx, row.id, { ...changed, updatedAt: clock() });
          return view(tx, row.id);
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw CatalogErrors.groupSlugTaken();
        throw error;
      }
    },

    /**
     * Archives a group. Refused while it still has services that are not
     * archived (the contract's rule) or while one of them is in an active event.
     */
    async archive(slug: string) {
      await db.transaction(async (tx) => {
        const row = await findRow(tx, slug);
        if (row.archivedAt) return;
        const memberIds = await groupActiveServiceIds(tx, row.id);
        if (
          (await deps.events.servicesInActiveEvents(tx, memberIds)).length > 0 ||
          (await deps.events.groupInActiveEvent(tx, row.id))
        ) {
          throw CatalogErrors.inActiveEvent('group');
        }
        if (memberIds.length > 0) throw CatalogErrors.groupHasServices();
        await updateGroup(tx, row.id, { archivedAt: clock(), updatedAt: clock() });
      });
    },

    /** Brings an archived group back. */
    async restore(slug: string): Promise<Group> {
      return db.transaction(async (tx) => {
        const row = await findRow(tx, slug);
        if (!row.archivedAt) throw CatalogErrors.notArchived('group');
        await updateGroup(tx, row.id, { archivedAt: null, updatedAt: clock() });
        return view(tx, row.id);
      });
    },
  };
}
export type GroupUseCases = ReturnType<typeof createGroupUseCases>;
