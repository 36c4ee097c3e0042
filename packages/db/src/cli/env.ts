/** Database settings of the db scripts, read from the same variables as the api. */
export function dbOptionsFromEnv() {
  const poolSize = process.env.DATABASE_POOL_SIZE ? Number(process.env.DATABASE_POOL_SIZE) : undefined;
  return {
    url: process.env.DATABASE_URL || undefined,
    dataDir: process.env.PGLITE_DATA_DIR || undefined,
    ...(poolSize ? { poolSize } : {}),
  };
}
