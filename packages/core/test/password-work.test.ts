import { describe, expect, it } from 'vitest';
import { createPasswordWork } from '../src/identity/passwords';
import { DomainError } from '../src/shared/errors';

/** A task that runs until `release` is called. */
function heldTask() {
  let release: () => void = () => {};
  const done = new Promise<string>((resolve) => {
    release = () => resolve('done');
  });
  return { run: () => done, release: () => release() };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('identity password work', () => {
  it('runs at most `concurrency` tasks at once and queues the next ones', async () => {
    const work = createPasswordWork({ concurrency: 2, maxQueued: 5 });
    const tasks = [heldTask(), heldTask(), heldTask()];
    const results = tasks.map((task) => work.run(task.run));
    await flush();
    expect(work.stats()).toMatchObject({ running: 2, queued: 1, started: 2, refused: 0 });
    for (const task of tasks) task.release();
    expect(await Promise.all(results)).toEqual(['done', 'done', 'done']);
    expect(work.stats()).toMatchObject({ running: 0, queued: 0, started: 3 });
  });

  it('refuses a call as busy (503, retry after 1 s) once the queue is full, without running it', async () => {
    const work = createPasswordWork({ concurrency: 1, maxQueued: 1 });
    const running = heldTask();
    const queued = heldTask();
    const first = work.run(running.run);
    const second = work.run(queued.run);
    await flush();
    let ran = false;
    const refused = await work
      .run(async () => {
        ran = true;
        return 'ran';
      })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DomainError);
    expect(refused).toMatchObject({ kind: 'unavailable', retryAfterSeconds: 1 });
    expect(ran).toBe(false);
    expect(work.stats()).toMatchObject({ running: 1, queued: 1, refused: 1 });
    running.release();
    queued.release();
    expect(await Promise.all([first, second])).toEqual(['done', 'done']);
  });

  it('takes new sizes with configure', async () => {
    const work = createPasswordWork({ concurrency: 1, maxQueued: 0 });
    work.configure({ concurrency: 3, maxQueued: 0 });
    const tasks = [heldTask(), heldTask(), heldTask()];
    const results = tasks.map((task) => work.run(task.run));
    await flush();
    expect(work.stats()).toMatchObject({ running: 3, queued: 0, refused: 0 });
    for (const task of tasks) task.release();
    await Promise.all(results);
  });
});
