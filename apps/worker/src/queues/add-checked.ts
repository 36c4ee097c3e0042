import type { RedisClient } from '@statuspage/platform';
import type { JobsOptions, Queue } from 'bullmq';

export interface CheckedJob<T> {
  name: string;
  data: T;
  opts: JobsOptions & { jobId: string };
}

/**
 * Adds jobs in one bulk call and then reads back, in one pipelined round
 * trip, the data Redis holds under each job id. BullMQ answers an add whose
 * id it already holds with the old job and says nothing; when that old job
 * is not the same row (`sameRow` compares the stored data with ours) the
 * add did nothing for our row. Returns the indexes of those jobs. A job that
 * is already gone (done and removed) is not a conflict: it was ours.
 */
export async function addBulkChecked<T>(
  redis: RedisClient,
  queue: Queue,
  jobs: readonly CheckedJob<T>[],
  sameRow: (stored: unknown, ours: T) => boolean,
): Promise<number[]> {
  if (jobs.length === 0) return [];
  await queue.addBulk([...jobs]);
  const pipeline = redis.pipeline();
  for (const job of jobs) pipeline.hget(queue.toKey(job.opts.jobId), 'data');
  const replies = (await pipeline.exec()) ?? [];
  const conflicts: number[] = [];
  replies.forEach(([error, stored], index) => {
    if (error) throw error;
    const job = jobs[index];
    if (typeof stored !== 'string' || !job) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(stored);
    } catch {
      parsed = undefined;
    }
    if (!sameRow(parsed, job.data)) conflicts.push(index);
  });
  return conflicts;
}
