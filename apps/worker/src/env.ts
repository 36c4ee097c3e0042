import { z } from 'zod';

/** The worker's configuration. Redis is required: the worker's queues live there. */
export const WorkerEnvSchema = z.object({
  REDIS_URL: z.url({ message: 'REDIS_URL is required: the worker needs Redis (e.g. redis://127.0.0.1:6379)' }),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  WORKER_SHUTDOWN_TIMEOUT: z.coerce.number().int().min(1).default(30),
});
export type WorkerEnv = z.infer<typeof WorkerEnvSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the environment once; a bad value names the variable. */
export function loadWorkerEnv(source: NodeJS.ProcessEnv = process.env): WorkerEnv {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ''));
  const result = WorkerEnvSchema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}
