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
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(`cannot listen: ${(error as Error).message} (set SERVER_PORT to a free port)`);
    process.exit(1);
  }
  throw error;
}
