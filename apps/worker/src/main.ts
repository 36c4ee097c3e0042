import { ConfigError, loadWorkerEnv } from './env';
import { createWorkerLogger } from './logger';
import { startWorker } from './worker';

let env: ReturnType<typeof loadWorkerEnv>;
try {
  env = loadWorkerEnv();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(78);
  }
  throw error;
}

const logger = createWorkerLogger(env.LOG_LEVEL);
const worker = startWorker(env, logger);

const shutdown = (signal: string) => {
  logger.info({ signal }, 'signal received');
  // The worker hands back what it could not finish at WORKER_SHUTDOWN_TIMEOUT; this is the last resort.
  const deadline = setTimeout(() => {
    logger.error('shutdown deadline passed: exiting');
    process.exit(1);
  }, env.WORKER_SHUTDOWN_TIMEOUT + 5000);
  deadline.unref();
  worker.close().then(
    () => process.exit(0),
    (error) => {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    },
  );
};
worker.started.catch(() => {
  // Already logged by the worker; without its queues this process has nothing to do.
  worker.close().finally(() => process.exit(1));
});
process.once('SIGTERM', () => shutdown('SIGTERM'));
process.once('SIGINT', () => shutdown('SIGINT'));
