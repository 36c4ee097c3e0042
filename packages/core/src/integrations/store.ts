import type { ServiceStatus } from '@statuspage/contracts';
import { type Database, integrationAlerts, integrationIncidents, integrations } from '@statuspage/db';
import { and, asc, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';

// The SQL of the integrations module, over its own tables only. Every function takes the db or
// the transaction first, so the use-case owns the transaction.

export type IntegrationRow = typeof integrations.$inferSelect;
export type AlertRow = typeof integrationAlerts.$inferSelect;
export type IncidentRow = typeof integrationIncidents.$inferSelect;

/** Every integration, by name. */
export function selectIntegrations(db: Database): Promise<IntegrationRow[]> {
  return db.select().from(integrations).orderBy(asc(integrations.name), asc(integrations.id));
}

/** One integration, or undefined; `lock` serialises the payloads of one integration. */
export async function findIntegration(tx: Database, id: string, lock = false) {
  const query = tx.select().from(integrations).where(eq(integrations.id, id));
  const [row] = lock ? await query.for('update') : await query;
  return row;
}

export async function insertIntegration(tx: Database, values: typeof integrations.$inferInsert) {
  const [row] = await tx.insert(integrations).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

export async function updateIntegration(tx: Database, id: string, values: Partial<typeof integrations.$inferInsert>) {
  const [row] = await tx.update(integrations).set(values).where(eq(integrations.id, id)).returning();
  return row;
}

/** Deletes an integration (its alerts and incident links go with it); false when there was none. */
export async function deleteIntegration(tx: Database, id: string) {
  const rows = await tx.delete(integrations).where(eq(integrations.id, id)).returning({ id: integrations.id });
  return rows.length > 0;
}

/** The stored alerts of an integration with these fingerprints (every start). */
export function selectAlerts(tx: Database, integrationId: string, fingerprints: readonly string[]) {
  if (fingerprints.length === 0) return Promise.resolve([] as AlertRow[]);
  return tx
    .select()
    .from(integrationAlerts)
    .where(
      and(
        eq(integrationAlerts.integrationId, integrationId),
        inArray(integrationAlerts.fingerprint, [...fingerprints]),
      ),
    );
}

/** Writes an alert as received (a resend with another state updates it). */
export async function upsertAlert(tx: Database, values: typeof integrationAlerts.$inferInsert) {
  await tx
    .insert(integrationAlerts)
    .values(values)
    .onConflictDoUpdate({
      target: [integrationAlerts.integrationId, integrationAlerts.fingerprint, integrationAlerts.startsAt],
      set: {
        firing: values.firing,
        groupKey: values.groupKey ?? '',
        serviceId: values.serviceId ?? null,
        status: values.status ?? null,
        ignored: values.ignored ?? null,
        labels: values.labels ?? {},
        summary: values.summary ?? '',
        receivedAt: values.receivedAt ?? sql`now()`,
        resolvedAt: values.resolvedAt ?? null,
      },
    });
}

/**
 * The firing alerts on these services of every integration that sets statuses directly (not
 * through incidents): what each service's status is the worst of.
 */
export function selectFiringOnServices(tx: Database, serviceIds: readonly string[]) {
  if (serviceIds.length === 0) return Promise.resolve([] as { serviceId: string; status: ServiceStatus }[]);
  return tx
    .select({
      serviceId: sql<string>`${integrationAlerts.serviceId}`,
      status: sql<ServiceStatus>`${integrationAlerts.status}`,
    })
    .from(integrationAlerts)
    .innerJoin(integrations, eq(integrations.id, integrationAlerts.integrationId))
    .where(
      and(
        eq(integrationAlerts.firing, true),
        inArray(integrationAlerts.serviceId, [...serviceIds]),
        isNotNull(integrationAlerts.status),
        isNull(integrationAlerts.ignored),
        eq(integrations.openIncidents, false),
      ),
    );
}

/** The firing alerts of one alert group that name a known service. */
export function selectFiringOfGroup(tx: Database, integrationId: string, groupKey: string) {
  return tx
    .select({
      serviceId: sql<string>`${integrationAlerts.serviceId}`,
      status: sql<ServiceStatus>`${integrationAlerts.status}`,
      summary: integrationAlerts.summary,
      startsAt: integrationAlerts.startsAt,
    })
    .from(integrationAlerts)
    .where(
      and(
        eq(integrationAlerts.integrationId, integrationId),
        eq(integrationAlerts.groupKey, groupKey),
        eq(integrationAlerts.firing, true),
        isNotNull(integrationAlerts.serviceId),
        isNotNull(integrationAlerts.status),
        isNull(integrationAlerts.ignored),
      ),
    )
    .orderBy(asc(integrationAlerts.startsAt), asc(integrationAlerts.fingerprint));
}

/** The incident an alert group opened, or undefined. */
export async function findIncident(tx: Database, integrationId: string, groupKey: string) {
  const [row] = await tx
    .select()
    .from(integrationIncidents)
    .where(and(eq(integrationIncidents.integrationId, integrationId), eq(integrationIncidents.groupKey, groupKey)));
  return row;
}

/** Links an alert group to its incident, or records the statuses it gave. */
export async function saveIncident(tx: Database, values: typeof integrationIncidents.$inferInsert) {
  await tx
    .insert(integrationIncidents)
    .values(values)
    .onConflictDoUpdate({
      target: [integrationIncidents.integrationId, integrationIncidents.groupKey],
      set: { eventId: values.eventId, services: values.services ?? {} },
    });
}

export async function deleteIncident(tx: Database, integrationId: string, groupKey: string) {
  await tx
    .delete(integrationIncidents)
    .where(and(eq(integrationIncidents.integrationId, integrationId), eq(integrationIncidents.groupKey, groupKey)));
}
