import { hash } from '@node-rs/argon2';
import { eq } from 'drizzle-orm';
import type { Database } from './client';
import {
  eventServiceChanges,
  eventServices,
  events,
  eventUpdates,
  notificationChannels,
  serviceGroupMembers,
  serviceGroups,
  serviceStatusDays,
  serviceStatusDayZones,
  serviceStatusLog,
  services,
  users,
} from './schema';

/** The development accounts (README, Development accounts). Never created by a migration. */
export const developmentAccounts = [
  { email: 'admin@example.com', password: 'admin123', role: 'admin', firstName: 'Ada', lastName: 'Admin' },
  { email: 'operator@example.com', password: 'admin123', role: 'operator', firstName: 'Otto', lastName: 'Operator' },
  { email: 'user@example.com', password: 'user123', role: 'user', firstName: 'Uma', lastName: 'User' },
] as const;

const demoGroups = [
  { slug: 'platform', name: 'Platform', description: 'Core platform services', order: 1 },
  { slug: 'customer-facing', name: 'Customer facing', description: 'What customers use directly', order: 2 },
];

const demoServices = [
  { slug: 'api', name: 'API', description: 'Public REST API', order: 1, groups: ['platform', 'customer-facing'] },
  { slug: 'database', name: 'Database', description: 'Primary database cluster', order: 2, groups: ['platform'] },
  {
    slug: 'website',
    name: 'Website',
    description: 'Marketing site and dashboard',
    order: 3,
    groups: ['customer-facing'],
  },
  { slug: 'notifications', name: 'Notifications', description: 'E-mail and chat notifications', order: 4, groups: [] },
];

type Status = 'operational' | 'degraded' | 'partial_outage' | 'major_outage' | 'maintenance';

/** How long ago the demo catalogue began: the public page shows 90 days of history. */
const HISTORY_DAYS = 91;

/**
 * The demo's past, relative to the day the seed runs: resolved incidents and a completed
 * maintenance, each with its timeline. Fixed ids make the seed idempotent. `at` is days ago
 * and the UTC hour and minute; every step sets the services' statuses it names.
 */
const demoHistory: {
  id: string;
  title: string;
  type: 'incident' | 'maintenance';
  severity: 'minor' | 'major' | 'critical' | null;
  description: string;
  scheduled?: { start: [number, number, number]; end: [number, number, number] };
  steps: {
    at: [number, number, number];
    status: 'investigating' | 'identified' | 'monitoring' | 'resolved' | 'in_progress' | 'completed';
    message: string;
    services: Record<string, Status>;
  }[];
}[] = [
  {
    id: '5eed0000-0000-4000-8000-000000000001',
    title: 'Elevated API latency',
    type: 'incident',
    severity: 'minor',
    description: 'Some API requests are slower than usual.',
    steps: [
      {
        at: [76, 14, 10],
        status: 'investigating',
        message: 'We are looking into slow API responses.',
        services: { api: 'degraded' },
      },
      {
        at: [76, 14, 45],
        status: 'identified',
        message: 'A cache node is overloaded; traffic is being moved.',
        services: { api: 'degraded' },
      },
      {
        at: [76, 15, 20],
        status: 'monitoring',
        message: 'Latency is back to normal; we keep watching.',
        services: { api: 'degraded' },
      },
      { at: [76, 16, 5], status: 'resolved', message: 'Resolved.', services: { api: 'operational' } },
    ],
  },
  {
    id: '5eed0000-0000-4000-8000-000000000002',
    title: 'Database outage',
    type: 'incident',
    severity: 'critical',
    description: 'The primary database cluster is unavailable.',
    steps: [
      {
        at: [41, 3, 20],
        status: 'investigating',
        message: 'The primary database is not answering; the API fails for most requests.',
        services: { database: 'major_outage', api: 'partial_outage' },
      },
      {
        at: [41, 3, 50],
        status: 'identified',
        message: 'A failed disk stopped the primary; failing over to the replica.',
        services: { database: 'major_outage', api: 'partial_outage' },
      },
      {
        at: [41, 4, 35],
        status: 'monitoring',
        message: 'The replica is primary now and the API answers again.',
        services: { database: 'degraded', api: 'operational' },
      },
      {
        at: [41, 6, 0],
        status: 'resolved',
        message: 'All systems are back to normal.',
        services: { database: 'operational' },
      },
    ],
  },
  {
    id: '5eed0000-0000-4000-8000-000000000003',
    title: 'Database version upgrade',
    type: 'maintenance',
    severity: null,
    description: 'The database cluster is upgraded to the next major version.',
    scheduled: { start: [27, 1, 0], end: [27, 3, 0] },
    steps: [
      {
        at: [27, 1, 0],
        status: 'in_progress',
        message: 'The upgrade has started.',
        services: { database: 'maintenance' },
      },
      { at: [27, 2, 40], status: 'completed', message: 'The upgrade is done.', services: { database: 'operational' } },
    ],
  },
  {
    id: '5eed0000-0000-4000-8000-000000000004',
    title: 'Delayed e-mail notifications',
    type: 'incident',
    severity: 'major',
    description: 'Notification e-mails arrive late.',
    steps: [
      {
        at: [12, 9, 0],
        status: 'investigating',
        message: 'E-mails are queued longer than usual.',
        services: { notifications: 'partial_outage' },
      },
      {
        at: [12, 10, 15],
        status: 'identified',
        message: 'Our mail provider throttles us; we are moving to a second provider.',
        services: { notifications: 'degraded' },
      },
      {
        at: [12, 13, 30],
        status: 'resolved',
        message: 'The backlog is delivered.',
        services: { notifications: 'operational' },
      },
    ],
  },
];

function daysAgo(today: Date, [days, hour, minute]: [number, number, number]): Date {
  return new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - days, hour, minute));
}

/**
 * Writes the demo's past for services the seed has just created: their creation 91 days ago and
 * the events of `demoHistory` with their timelines and status-log entries, as the api would have
 * written them. The status log's per-day rollup is then built again from the log on its next read.
 */
async function seedHistory(db: Database, created: Map<string, string>, adminId: string | undefined) {
  const today = new Date();
  const createdAt = daysAgo(today, [HISTORY_DAYS, 0, 0]);
  let eventsCreated = 0;
  await db.transaction(async (tx) => {
    for (const [, serviceId] of created) {
      await tx.update(services).set({ createdAt, updatedAt: createdAt }).where(eq(services.id, serviceId));
      await tx.insert(serviceStatusLog).values({
        serviceId,
        oldStatus: null,
        newStatus: 'operational',
        effectiveStatus: 'operational',
        sourceType: 'manual',
        reason: 'service created',
        createdBy: adminId,
        createdAt,
      });
    }
    for (const event of demoHistory) {
      const slugs = [...new Set(event.steps.flatMap((step) => Object.keys(step.services)))];
      if (!slugs.every((slug) => created.has(slug))) continue;
      const first = event.steps[0];
      const last = event.steps[event.steps.length - 1];
      if (!first || !last) continue;
      const startedAt = daysAgo(today, first.at);
      const resolvedAt = daysAgo(today, last.at);
      const inserted = await tx
        .insert(events)
        .values({
          id: event.id,
          title: event.title,
          type: event.type,
          status: last.status,
          severity: event.severity,
          description: event.description,
          startedAt,
          resolvedAt,
          scheduledStartAt: event.scheduled ? daysAgo(today, event.scheduled.start) : null,
          scheduledEndAt: event.scheduled ? daysAgo(today, event.scheduled.end) : null,
          createdBy: adminId,
          createdAt: startedAt,
          updatedAt: resolvedAt,
        })
        .onConflictDoNothing()
        .returning({ id: events.id });
      if (inserted.length === 0) continue;
      eventsCreated += 1;
      const shown = new Map<string, Status>(slugs.map((slug) => [slug, 'operational']));
      for (const step of event.steps) {
        const at = daysAgo(today, step.at);
        await tx.insert(eventUpdates).values({
          eventId: event.id,
          status: step.status,
          message: step.message,
          createdBy: adminId,
          createdAt: at,
        });
        for (const [slug, status] of Object.entries(step.services)) {
          const serviceId = created.get(slug);
          const before = shown.get(slug) ?? 'operational';
          if (!serviceId || before === status) continue;
          shown.set(slug, status);
          await tx.insert(serviceStatusLog).values({
            serviceId,
            oldStatus: before,
            newStatus: status,
            effectiveStatus: status,
            sourceType: 'event',
            eventId: event.id,
            reason: `event ${step.status}: ${step.message}`,
            createdBy: adminId,
            createdAt: at,
          });
        }
      }
      for (const slug of slugs) {
        const serviceId = created.get(slug);
        if (!serviceId) continue;
        // The status the event first gave the service, as its composition shows it.
        const worst = event.steps
          .map((step) => step.services[slug])
          .find((status): status is Status => status !== undefined && status !== 'operational');
        await tx
          .insert(eventServices)
          .values({ eventId: event.id, serviceId, status: worst ?? 'operational', addedAt: startedAt });
        await tx
          .insert(eventServiceChanges)
          .values({ eventId: event.id, serviceId, action: 'added', createdBy: adminId, createdAt: startedAt });
      }
    }
    await tx.delete(serviceStatusDays);
    await tx.delete(serviceStatusDayZones);
  });
  return eventsCreated;
}

/**
 * Creates the development accounts and a small demo catalogue with 90 days of plausible history.
 * Idempotent: rows that already exist (by e-mail, slug or id) are left as they are; the history
 * is written with the demo services that this run creates.
 */
export async function seedDevelopmentData(db: Database) {
  let usersCreated = 0;
  let groupsCreated = 0;
  let servicesCreated = 0;
  for (const account of developmentAccounts) {
    const inserted = await db
      .insert(users)
      .values({
        email: account.email,
        passwordHash: await hash(account.password),
        role: account.role,
        firstName: account.firstName,
        lastName: account.lastName,
      })
      .onConflictDoNothing()
      .returning({ id: users.id });
    usersCreated += inserted.length;
    // Like registration: a verified default e-mail channel (it follows no service until chosen).
    const [created] = inserted;
    if (created) {
      await db
        .insert(notificationChannels)
        .values({ userId: created.id, type: 'email', target: account.email, isVerified: true, isDefault: true })
        .onConflictDoNothing();
    }
  }
  const groupIds = new Map<string, string>();
  for (const group of demoGroups) {
    const inserted = await db
      .insert(serviceGroups)
      .values(group)
      .onConflictDoNothing()
      .returning({ id: serviceGroups.id });
    groupsCreated += inserted.length;
    const [row] = await db
      .select({ id: serviceGroups.id })
      .from(serviceGroups)
      .where(eq(serviceGroups.slug, group.slug));
    if (row) groupIds.set(group.slug, row.id);
  }
  const created = new Map<string, string>();
  for (const { groups, ...service } of demoServices) {
    const inserted = await db.insert(services).values(service).onConflictDoNothing().returning({ id: services.id });
    servicesCreated += inserted.length;
    const row = inserted[0];
    if (!row) continue;
    created.set(service.slug, row.id);
    for (const slug of groups) {
      const groupId = groupIds.get(slug);
      if (groupId) await db.insert(serviceGroupMembers).values({ serviceId: row.id, groupId }).onConflictDoNothing();
    }
  }
  const [admin] = await db.select({ id: users.id }).from(users).where(eq(users.email, 'admin@example.com'));
  const eventsCreated = created.size > 0 ? await seedHistory(db, created, admin?.id) : 0;
  return { usersCreated, groupsCreated, servicesCreated, eventsCreated };
}
