import type { RedisClient } from '@statuspage/platform';
import { DelayedError, type Job, RateLimitError, type RateLimiterOptions, UnrecoverableError, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { cappedExponentialBackoff } from './backoff';

/** What every processor of this process shares. */
export interface RegisterContext {
  connection: RedisClient;
  prefix: string;
  logger: Logger;
  backoffStrategy: ReturnType<typeof cappedExponentialBackoff>;
}

export interface ProcessorDefinition<S extends z.ZodType> {
  queue: string;
  /** The job payload; a payload that fails it is unrecoverable (never retried). */
  schema: S;
  concurrency: number;
  limiter?: RateLimiterOptions | undefined;
  /** `token` is the job's lock token (to move the job, e.g. back to delayed). */
  process(data: z.output<S>, job: Job, log: Logger, token: string | undefined): Promise<unknown>;
}

/**
 * Starts a BullMQ worker for one queue with the parts every processor needs:
 * payload validation, a child logger per job, the shared backoff strategy and
 * failure/error listeners.
 */
export function register<S extends z.ZodType>(context: RegisterContext, definition: ProcessorDefinition<S>): Worker {
  const queueLog = context.logger.child({ queue: definition.queue });
  const worker = new Worker(
    definition.queue,
    async (job: Job, token?: string) => {
      const log = queueLog.child({ jobId: job.id, job: job.name, attempt: job.attemptsMade + 1 });
      const parsed = definition.schema.safeParse(job.data);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
        throw new UnrecoverableError(`invalid ${definition.queue} payload: ${issues.join('; ')}`);
      }
      return definition.process(parsed.data, job, log, token);
    },
    {
      connection: context.connection,
      prefix: context.prefix,
      concurrency: definition.concurrency,
      ...(definition.limiter ? { limiter: definition.limiter } : {}),
      settings: { backoffStrategy: context.backoffStrategy },
    },
  );
  worker.on('failed', (job, error) => {
    if (error instanceof RateLimitError || error instanceof DelayedError) return;
    const attempts = job?.opts.attempts ?? 1;
    const final =
      !job ||
      error instanceof UnrecoverableError ||
      error.name === 'UnrecoverableError' ||
      job.attemptsMade >= attempts;
    queueLog[final ? 'error' : 'warn'](
      { jobId: job?.id, job: job?.name, attempt: job?.attemptsMade, attempts, reason: error.message },
      final ? 'job failed for good' : 'job failed; will retry',
    );
  });
  // While Redis is away every blocked call errors: say it once per streak, not once per retry.
  let lastError = 0;
  worker.on('error', (error) => {
    if (Date.now() - lastError > 30_000) queueLog.error({ err: error }, 'worker error');
    lastError = Date.now();
  });
  return worker;
}
