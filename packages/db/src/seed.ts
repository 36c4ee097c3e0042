import { hash } from '@node-rs/argon2';
import { eq } from 'drizzle-orm';
import type { Database } from './client';
import { notificationChannels, serviceGroupMembers, serviceGroups, services, users } from './schema';

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

/**
 * Creates the development accounts and a small demo catalogue. Idempotent:
 * rows that already exist (by e-mail or slug) are left as they are.
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
  for (const { groups, ...service } of demoServices) {
    const inserted = await db.insert(services).values(service).onConflictDoNothing().returning({ id: services.id });
    servicesCreated += inserted.length;
    const created = inserted[0];
    if (!created) continue;
    for (const slug of groups) {
      const groupId = groupIds.get(slug);
      if (groupId)
        await db.insert(serviceGroupMembers).values({ serviceId: created.id, groupId }).onConflictDoNothing();
    }
  }
  return { usersCreated, groupsCreated, servicesCreated };
}
