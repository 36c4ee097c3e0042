import { createDb } from '../client';
import { dbOptionsFromEnv } from './env';

const client = await createDb(dbOptionsFromEnv());
try {
  await client.migrate();
  console.log(`migrations applied (${client.driver})`);
} finally {
  await client.close();
}
