import { ConfigError, loadEnv } from './env';
import { startApiServer } from './server';

try {
  const env = loadEnv();
  const server = await startApiServer(env);
  const shutdown = (signal: string) => {
    console.error(`${signal} received: shutting down`);
    server.close().then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(78);
  }
  throw error;
}
