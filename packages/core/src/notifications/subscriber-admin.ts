import type { AdminSubscriber, ListSubscribersInput } from '@statuspage/contracts';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { sql } from 'drizzle-orm';
import { NotificationErrors } from './errors';
import type { NotificationDeps } from './ports';
import { channelMayReceiveSql, subscriberImportLines } from './rules';
import {
  countAllServiceReceivers,
  countReceivers,
  countServiceReceivers,
  deleteSubscriber,
  existingSubscriberEmails,
  findChannel,
  findSubscriberByDestination,
  insertChannel,
  insertSubscriber,
  lockSubscriberDestination,
  receiverFilterSql,
  replaceGroupSubscriptions,
  replaceSubscriptions,
  selectGroupSubscriptions,
  selectReceivers,
  selectSubscriptions,
} from './store';
import { toAdminSubscriber } from './views';

// The admin's view of everyone who receives notifications (account channels and account-less
// subscribers together): list and search, counts per service, removal, CSV export and import.

/** The groups holding one service, as the subquery the receiver filter needs. */
const groupsOfService = (deps: NotificationDeps, serviceId: string) =>
  deps.catalog.groupIdsOfServicesSql(sql`(${serviceId}::uuid)`);

/** Receivers with their services, groups and state, newest first, with the total. */
export async function listSubscribers(deps: NotificationDeps, input: ListSubscribersInput) {
  const where = receiverFilterSql({
    q: input.q,
    kind: input.kind,
    state: input.state,
    service: input.service_id ? { id: input.service_id, groups: groupsOfService(deps, input.service_id) } : undefined,
  });
  const rows = await selectReceivers(deps.db, where, { limit: input.limit, offset: input.offset });
  const ids = rows.map((row) => row.channel.id);
  const services = await selectSubscriptions(deps.db, ids);
  const groups = await selectGroupSubscriptions(deps.db, ids);
  return {
    subscribers: rows.map((row) =>
      toAdminSubscriber(
        row,
        services.filter((s) => s.channelId === row.channel.id).map((s) => s.serviceId),
        groups.filter((g) => g.channelId === row.channel.id).map((g) => g.groupId),
      ),
    ),
    total: await countReceivers(deps.db, where),
    limit: input.limit,
    offset: input.offset,
  };
}

/** Per service not archived, how many receivers would get its events now; and how many follow everything. */
export async function subscriberCounts(deps: NotificationDeps) {
  const mayReceive = channelMayReceiveSql(deps.accounts);
  const list = await deps.catalog.serviceList(deps.db);
  const services = [];
  for (const service of list) {
    services.push({
      service_id: service.id,
      name: service.name,
      subscribers: await countServiceReceivers(deps.db, service.id, groupsOfService(deps, service.id), mayReceive),
    });
  }
  return { all_services: await countAllServiceReceivers(deps.db, mayReceive), services };
}

/** Removes an account-less subscriber (by its channel id) with everything it follows; account channels are their owner's. */
export async function removeSubscriber(deps: NotificationDeps, channelId: string) {
  await deps.db.transaction(async (tx) => {
    const channel = await findChannel(tx, channelId, true);
    if (!channel) throw NotificationErrors.subscriberNotFound();
    if (!channel.subscriberId) throw NotificationErrors.notAccountLess();
    await deleteSubscriber(tx, channel.subscriberId);
  });
}

/**
 * Every account-less subscriber as CSV (`type,email,components,groups,subscribe all,state,created
 * at,destination`): `email` is the contact address, `destination` the URL of a webhook or chat
 * subscriber (empty for e-mail ones). The e-mail lines are importable again; the others are refused
 * by the import, as they need a confirmation from their contact.
 */
export async function exportSubscribers(deps: NotificationDeps, includePending: boolean) {
  const rows: AdminSubscriber[] = [];
  for (let offset = 0; ; offset += 200) {
    const page = await listSubscribers(deps, {
      kind: 'subscriber',
      ...(includePending ? {} : { state: 'confirmed' as const }),
      limit: 200,
      offset,
    });
    rows.push(...page.subscribers);
    if (page.subscribers.length < 200) break;
  }
  const serviceNames = new Map((await deps.catalog.serviceList(deps.db)).map((s) => [s.id, s.name]));
  const groupNames = await deps.catalog.groupNames(deps.db);
  const csv = stringify(
    rows.map((row) => [
      row.type,
      row.contact_email ?? row.target,
      row.service_ids.map((id) => serviceNames.get(id) ?? id).join(';'),
      row.group_ids.map((id) => groupNames.get(id) ?? id).join(';'),
      row.subscribe_to_all_services ? 'true' : 'false',
      row.state,
      row.created_at,
      row.type === 'email' ? '' : row.target,
    ]),
    {
      header: true,
      columns: ['type', 'email', 'components', 'groups', 'subscribe all', 'state', 'created at', 'destination'],
    },
  );
  return { filename: `subscribers-${deps.clock().toISOString().slice(0, 10)}.csv`, csv };
}

/**
 * Imports a CSV of addresses as confirmed subscribers (moving from another
 * provider, whose subscribers already opted in): each line's components (service
 * names or ids) and groups, or every service when it names none. Addresses that
 * already have a subscriber are left as they are. A dry run reports the same
 * and writes nothing.
 */
export async function importSubscribers(deps: NotificationDeps, csv: string, dryRun: boolean) {
  let records: string[][];
  try {
    records = parse(csv, { relax_column_count: true, skip_empty_lines: false, bom: true, trim: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { dry_run: dryRun, created: [], already_present: [], invalid: [{ line: 1, message }] };
  }
  const lines = subscriberImportLines(records);
  const services = await deps.catalog.serviceList(deps.db);
  const groupNames = await deps.catalog.groupNames(deps.db);
  const serviceByName = new Map(
    services.flatMap((s) => [[s.name.toLowerCase(), s.id] as const, [s.id, s.id] as const]),
  );
  const groupByName = new Map(
    [...groupNames].flatMap(([id, name]) => [[name.toLowerCase(), id] as const, [id, id] as const]),
  );
  const invalid: { line: number; message: string }[] = [];
  const wanted: { email: string; serviceIds: string[]; groupIds: string[] }[] = [];
  for (const line of lines) {
    if ('error' in line) {
      invalid.push({ line: line.line, message: line.error });
      continue;
    }
    const unknown = [
      ...line.components.filter((name) => !serviceByName.has(name.toLowerCase())),
      ...line.groups.filter((name) => !groupByName.has(name.toLowerCase())),
    ];
    if (unknown.length > 0) {
      invalid.push({ line: line.line, message: `unknown components or groups: ${unknown.join(', ')}` });
      continue;
    }
    wanted.push({
      email: line.email,
      serviceIds: [...new Set(line.components.map((name) => serviceByName.get(name.toLowerCase()) ?? ''))],
      groupIds: [...new Set(line.groups.map((name) => groupByName.get(name.toLowerCase()) ?? ''))],
    });
  }
  const present = await existingSubscriberEmails(
    deps.db,
    wanted.map((w) => w.email),
  );
  const toCreate = wanted.filter((w) => !present.has(w.email));
  const created: string[] = [];
  if (!dryRun) {
    await deps.db.transaction(async (tx) => {
      const now = deps.clock();
      for (const item of toCreate) {
        await lockSubscriberDestination(tx, 'email', item.email);
        // Subscribed meanwhile: it is present, not created.
        if (await findSubscriberByDestination(tx, 'email', item.email)) continue;
        const subscriber = await insertSubscriber(tx, {
          email: item.email,
          state: 'confirmed',
          createdAt: now,
          confirmedAt: now,
          updatedAt: now,
        });
        if (!subscriber) throw new Error('insert returned no row');
        const all = item.serviceIds.length === 0 && item.groupIds.length === 0;
        const channel = await insertChannel(tx, {
          subscriberId: subscriber.id,
          type: 'email',
          target: item.email,
          isVerified: true,
          subscribeToAll: all,
          createdAt: now,
          updatedAt: now,
        });
        if (!channel) throw new Error('insert returned no row');
        await replaceSubscriptions(tx, channel.id, item.serviceIds);
        await replaceGroupSubscriptions(tx, channel.id, item.groupIds);
        created.push(item.email);
      }
    });
  }
  const createdSet = new Set(created);
  return {
    dry_run: dryRun,
    created: dryRun ? toCreate.map((w) => w.email) : created,
    already_present: [
      ...wanted.filter((w) => present.has(w.email)).map((w) => w.email),
      ...(dryRun ? [] : toCreate.filter((w) => !createdSet.has(w.email)).map((w) => w.email)),
    ],
    invalid,
  };
}
