import { boolSetting, ConfigError, countSetting, loadSettings } from '@statuspage/platform';
import { z } from 'zod';

/** What the db scripts read, from the same variables as the api, validated the same way. */
const DbScriptEnv = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, message: 'expected a postgres:// URL' }).optional(),
  DATABASE_POOL_SIZE: countSetting(10, 200),
  DATABASE_PREPARED_STATEMENTS: boolSetting(true),
  PGLITE_DATA_DIR: z.string().optional(),
});

/** Database settings of the db scripts; a bad value stops the script with a message naming the variable. */
export function dbOptionsFromEnv(source: NodeJS.ProcessEnv = process.env) {
  try {
    const env = loadSettings(DbScriptEnv, source);
    return {
      url: env.DATABASE_URL,
      dataDir: env.PGLITE_DATA_DIR,
      poolSize: env.DATABASE_POOL_SIZE,
      preparedStatements: env.DATABASE_PREPARED_STATEMENTS,
    };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    // EX_CONFIG, as the api and the worker exit on a bad configuration.
    process.exit(78);
  }
}
