import { AddEventUpdateInput, CreateEventInput, CreateServiceInput } from '@statuspage/contracts';
import { createDb, type DbClient, users } from '@statuspage/db';
import { createCore } from '../../src';

/** A core over a database with a clock the test moves, and one admin to act as. */
export async function uptimeCore(db: DbClient, start: string) {
  let now = new Date(start);
  const core = createCore({
    db: db.db,
    clock: () => new Date(now),
    identity: { accessTtlSeconds: 900, refreshTtlSeconds: 86_400, resetTtlSeconds: 3600, resetCooldownSeconds: 300 },
    notifications: {
      settings: {
        availableTypes: ['mattermost'],
        codeTtlSeconds: 600,
        maxCodeAttempts: 5,
        resendCooldownSeconds: 60,
        maxCodesPerAddressPerHour: 5,
        maxCodesPerUserPerHour: 10,
        subscriberMailCooldownSeconds: 60,
        maxPendingSubscribersPerIp: 5,
      },
      probe: {
        telegramStarted: async () => false,
        telegram: async () => {},
        mattermost: async () => {},
        webhook: async () => {},
        addressRefusal: () => undefined,
      },
      secret: 'uptime-test-secret-uptime-test-secret',
    },
  });
  const [admin] = await db.db
    .insert(users)
    .values({ email: `uptime-${Date.now()}-${Math.random()}@example.test`, passwordHash: 'x', role: 'admin' })
    .returning({ id: users.id });
  if (!admin) throw new Error('no admin');
  const actor = admin.id;
  let serial = 0;
  return {
    core,
    actor,
    /** Moves the clock to an instant. */
    at(iso: string) {
      now = new Date(iso);
    },
    async service(status: CreateServiceInput['status'] = 'operational') {
      serial += 1;
      return core.services.create(
        actor,
        CreateServiceInput.parse({ name: `Uptime ${serial}`, slug: `uptime-${Date.now()}-${serial}`, status }),
      );
    },
    setStatus(service: { slug: string; name: string }, status: CreateServiceInput['status'], reason?: string) {
      return core.services.update(actor, {
        slug: service.slug,
        new_slug: service.slug,
        name: service.name,
        status,
        reason,
      });
    },
    open(input: Partial<CreateEventInput> & Pick<CreateEventInput, 'type' | 'status'>) {
      return core.events.create(actor, CreateEventInput.parse({ title: 'Uptime event', description: '', ...input }));
    },
    update(input: Partial<AddEventUpdateInput> & Pick<AddEventUpdateInput, 'id' | 'status'>) {
      return core.events.addUpdate(actor, AddEventUpdateInput.parse({ message: 'update', ...input }));
    },
  };
}

export async function openDb(url?: string) {
  return url ? createDb({ url, poolSize: 4 }) : createDb({ dataDir: 'memory://' });
}
