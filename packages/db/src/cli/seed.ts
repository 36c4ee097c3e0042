import { createDb } from '../client';
import { seedDevelopmentData } from '../seed';
import { dbOptionsFromEnv } from './env';

const client = await createDb(dbOptionsFromEnv());
try {
  const result = await seedDevelopmentData(client.db);
  console.log(
    `seed: ${result.usersCreated} accounts, ${result.groupsCreated} groups, ${result.servicesCreated} services, ${result.eventsCreated} past events created (existing ones kept)`,
  );
} finally {
  await client.close();
}
