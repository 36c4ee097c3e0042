/**
 * Opens an incident on a service, posts an update and resolves it, as an operator, with an
 * API key (docs/api/09-keys.md: an operator's `POST /api/v1/keys` with `"role": "operator"`):
 *
 *   STATUSPAGE_URL=http://localhost:8080 STATUSPAGE_API_KEY=sp_live_… pnpm --filter @statuspage/sdk example
 *
 * Without STATUSPAGE_API_KEY it signs in as the development operator instead.
 */
import { pathToFileURL } from 'node:url';
import { createStatusPageClient, StatusPageError } from '../src/index';

export interface ExampleOptions {
  baseUrl: string;
  /** An operator's API key; without one the example signs in with `email` and `password`. */
  apiKey?: string | undefined;
  email?: string;
  password?: string;
  serviceSlug?: string;
  log?: (line: string) => void;
}

export async function main(options: ExampleOptions) {
  const log = options.log ?? console.log;
  const client = options.apiKey
    ? createStatusPageClient({ baseUrl: options.baseUrl, apiKey: options.apiKey })
    : createStatusPageClient({ baseUrl: options.baseUrl });

  if (options.apiKey) {
    // A key needs no login: every call carries it.
    const { data: owner } = await client.auth.me.query();
    log(`using an API key of ${owner.email}`);
  } else {
    const user = await client.login(options.email ?? 'operator@example.com', options.password ?? 'admin123');
    log(`logged in as ${user.user.email} (${user.user.role})`);
  }

  const { data: service } = await client.services.get.query({ slug: options.serviceSlug ?? 'api' });
  log(`service ${service.slug}: ${service.name} is ${service.status}`);

  const { data: incident } = await client.events.create.mutate({
    title: 'Elevated error rate on the API',
    type: 'incident',
    status: 'investigating',
    severity: 'major',
    description: 'Some requests to the API fail with 5xx responses.',
    affected_services: [{ service_id: service.id, status: 'partial_outage' }],
  });
  log(`opened incident ${incident.id} "${incident.title}" (${incident.status})`);

  await client.events.addUpdate.mutate({
    id: incident.id,
    status: 'identified',
    message: 'A faulty deploy was identified; rolling back.',
  });
  log('posted update: identified');

  await client.events.addUpdate.mutate({
    id: incident.id,
    status: 'resolved',
    message: 'The rollback is complete and error rates are back to normal.',
    service_updates: [{ service_id: service.id, status: 'operational' }],
  });
  log('posted update: resolved');

  const { data: detail } = await client.events.get.query({ id: incident.id });
  const { data: after } = await client.services.get.query({ slug: service.slug });
  log(`incident ${detail.id} is ${detail.status}; service ${after.slug} is ${after.status}`);

  if (!options.apiKey) {
    await client.logout();
    log('logged out');
  }
  return { incidentId: incident.id, serviceSlug: service.slug };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main({
    baseUrl: process.env.STATUSPAGE_URL ?? 'http://localhost:8080',
    apiKey: process.env.STATUSPAGE_API_KEY || undefined,
  }).catch((error: unknown) => {
    if (error instanceof StatusPageError) console.error(`failed: ${error.code} (${error.status}): ${error.message}`);
    else console.error(error);
    process.exitCode = 1;
  });
}
