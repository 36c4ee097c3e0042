/**
 * The services list query alone (selectServiceViews: effective status and
 * groups in one statement), as the public reads run it: queries per second
 * at concurrency 1 and 8, and the api process's CPU per query.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/<scratch> pnpm bench:query
 *
 * The database is migrated and seeded (idempotent) first. Without
 * DATABASE_URL it runs on an in-memory PGlite database.
 */

import { selectServiceViews } from '../packages/core/src/catalog/views';
import { createDb, seedDevelopmentData } from '../packages/db/src/index';

const { BENCH_QUERIES = '3000', DATABASE_URL } = process.env;
const queries = Number(BENCH_QUERIES);
const client = await createDb(DATABASE_URL ? { url: DATABASE_URL, poolSize: 8 } : { dataDir: 'memory://' });
await client.migrate();
await seedDevelopmentData(client.db);
const services = await selectServiceViews(client.db);
console.log(`${client.driver}, ${services.length} services, ${queries} queries per run`);
for (let i = 0; i < 200; i++) await selectServiceViews(client.db); // warm-up

for (const concurrency of [1, 8]) {
  const started = performance.now();
  const cpu = process.cpuUsage();
  let issued = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (issued++ < queries) await selectServiceViews(client.db);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000 / queries;
  console.log(
    `concurrency ${concurrency}: ${(queries / seconds).toFixed(0).padStart(6)} queries/s, ${cpuMs.toFixed(3)} ms process CPU per query`,
  );
}
await client.close();
