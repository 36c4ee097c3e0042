import {
  type ChannelType,
  channelTypes,
  DeliveryJob,
  installationQueuePrefix,
  MaintenanceJob,
  OutboxJob,
  queueNames,
} from '@statuspage/contracts';
import { createEventsCore, createWebhookSnapshots, withAuditContext } from '@statuspage/core';
import { type DbClient, readInstallationId } from '@statuspage/db';
import {
  createRedisClient,
  describeRedisTopology,
  type MetricsServer,
  queueKeyPrefix,
  startMetricsServer,
} from '@statuspage/platform';
import type { Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { pruneAuditLog } from './audit/prune';
import { describeDatabase, openDatabase } from './database';
import { DEVELOPMENT_SECRET, type WorkerEnv, workerRedisTopology } from './env';
import { createMaintenanceAutomation } from './maintenance/automation';
import { createMaintenanceMetrics, type MaintenanceMetrics } from './maintenance/metrics';
import { createWorkerMetrics } from './metrics';
import { createDeliveryStore, deliver, snapshotsPerMessage } from './notifications/deliver';
import { startRepair } from './notifications/repair';
import { createSenders } from './notifications/senders';
import type { ChannelSender } from './notifications/senders/sender';
import { processOutboxJob } from './outbox/process-outbox';
import { createOutboxRelay, type OutboxRelay } from './outbox/relay';
import { cappedExponentialBackoff } from './queues/backoff';
import { createQueues, type Queues } from './queues/queues';
import { type RegisterContext, register } from './queues/register';
import { pruneUnconfirmedSubscribers } from './subscribers/prune';

export interface RunningWorker {
  /** Resolves once Redis answered (the worker waits for it, logging while it does). */
  ready: Promise<void>;
  /** Resolves once PostgreSQL and Redis answered and every queue is being worked (or the worker was closed first). */
  started: Promise<void>;
  /** Stops taking work, lets in-hand jobs finish (up to WORKER_SHUTDOWN_TIMEOUT), then closes connections; idempotent. */
  close(): Promise<void>;
  /** Scheduled-maintenance counters (transitions, reminders, lag) for the metrics endpoint. */
  metrics: {
    maintenance: MaintenanceMetrics;
    /** The Prometheus registry served at `/metrics` on WORKER_METRICS_PORT. */
    registry: Registry;
    /** The URL of `/metrics`, once its server listens. */
    url(): string | undefined;
  };
}

/** How often scheduled maintenance is reconciled (missed transitions, missing delayed jobs). */
const reconcileEveryMs = 60_000;
/** How often unconfirmed subscribers older than a week are deleted. */
const pruneSubscribersEveryMs = 3_600_000;
/** Audit entries past AUDIT_RETENTION are deleted hourly (a range delete on the `at` index). */
const pruneAuditEveryMs = 3_600_000;

/** Outbox jobs handled at once: fan-outs are one statement and a few bulk adds each. */
const outboxConcurrency = 4;

/**
 * The worker process: waits for PostgreSQL and Redis (as long as it takes,
 * logging why), then relays the outbox, fans messages out, and delivers them
 * per channel type. Processors are registered between the connections and the
 * shutdown sequence; shutdown goes outbox relay → workers (in-hand jobs
 * finish, raced against the deadline) → queues → senders → Redis → PostgreSQL.
 */
export function startWorker(env: WorkerEnv, logger: Logger): RunningWorker {
  const topology = workerRedisTopology(env);
  const where = describeRedisTopology(topology);
  // BullMQ requires maxRetriesPerRequest: null on worker connections.
  const redis = createRedisClient(topology, {
    maxRetriesPerRequest: null,
    retryDelay: (attempt) => Math.min(attempt * 500, 5000),
  });
  let waitingLogged = false;
  redis.on('error', (error) => {
    if (!waitingLogged) logger.warn({ err: error, redis: where }, `waiting for Redis at ${where}`);
    waitingLogged = true;
  });
  redis.on('ready', () => {
    waitingLogged = false;
  });
  const ready = new Promise<void>((resolve) => {
    redis.once('ready', () => {
      logger.info({ redis: where }, 'worker connected to Redis and ready');
      resolve();
    });
  });

  // Lets close() interrupt the waits of a start that has not finished.
  let stopping = false;
  let stopWaiting: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    stopWaiting = resolve;
  });
  const stop = {
    get value() {
      return stopping;
    },
    sleep: (ms: number) => Promise.race([new Promise<void>((resolve) => setTimeout(resolve, ms).unref()), stopped]),
  };

  let db: DbClient | undefined;
  let queues: Queues | undefined;
  let senders: Record<ChannelType, ChannelSender> | undefined;
  let relay: OutboxRelay | undefined;
  let repair: ReturnType<typeof startRepair> | undefined;
  const workers: Worker[] = [];
  const maintenanceMetrics = createMaintenanceMetrics();
  const workerMetrics = createWorkerMetrics(maintenanceMetrics);
  let metricsServer: MetricsServer | undefined;

  const started = (async () => {
    if (env.APP_SECRET === DEVELOPMENT_SECRET) {
      logger.warn('APP_SECRET is the development default: unsubscribe links can be forged; set the api’s secret');
    }
    metricsServer = await startMetricsServer(workerMetrics.registry, {
      port: env.WORKER_METRICS_PORT,
      host: env.WORKER_METRICS_HOST,
    });
    db = await openDatabase(
      {
        url: env.DATABASE_URL,
        poolSize: env.DATABASE_POOL_SIZE,
        preparedStatements: env.DATABASE_PREPARED_STATEMENTS,
        logger,
      },
      stop,
    );
    if (!db) return;
    await Promise.race([ready, stopped]);
    if (stopping) return;

    // Every key lives under this installation's own prefix: another installation (or this database
    // created again) on the same Redis and WORKER_QUEUE_PREFIX never meets these jobs.
    const installationId = await readInstallationId(db.db);
    // On a cluster the prefix is a hash tag: every key of every queue in one slot.
    const prefix = queueKeyPrefix(topology, installationQueuePrefix(env.WORKER_QUEUE_PREFIX, installationId));
    queues = createQueues(redis, {
      prefix,
      deliveryAttempts: env.NOTIFICATIONS_RETRY_MAX_ATTEMPTS,
      logger,
    });
    workerMetrics.attach({ db, queues: queues.all() });
    senders = createSenders(env, logger);
    const context: RegisterContext = {
      connection: redis,
      prefix,
      logger,
      backoffStrategy: cappedExponentialBackoff(
        env.NOTIFICATIONS_RETRY_INITIAL_BACKOFF,
        env.NOTIFICATIONS_RETRY_MAX_BACKOFF,
      ),
    };
    const maintenance = createMaintenanceAutomation({
      events: createEventsCore(db.db),
      queue: queues.maintenance,
      redis,
      cacheChannel: env.PUBLIC_CACHE_CHANNEL,
      metrics: maintenanceMetrics,
      reminderLeadMs: env.MAINTENANCE_REMINDER_LEAD,
    });
    const enqueueDeps = { db: db.db, queues, logger, observe: workerMetrics.jobs };
    const outboxDeps = { ...enqueueDeps, maintenance };
    workers.push(
      register(context, {
        queue: queueNames.outbox,
        schema: OutboxJob,
        concurrency: outboxConcurrency,
        process: (data, _job, log) => processOutboxJob(outboxDeps, data, log),
      }),
    );
    workers.push(
      register(context, {
        queue: queueNames.maintenance,
        schema: MaintenanceJob,
        concurrency: outboxConcurrency,
        process: (data, _job, log) => {
          if (data.action === 'prune_subscribers') return pruneUnconfirmedSubscribers(db?.db, log);
          if (data.action === 'prune_audit') return pruneAuditLog(db?.db, env.AUDIT_RETENTION, log);
          // What a scheduled transition changes is the system's, named by the job (the audit log).
          const audit = { actor: { type: 'system' as const }, operation: `maintenance.${data.action}` };
          return withAuditContext(audit, () => maintenance.run(data, log));
        },
      }),
    );
    await queues.maintenance.upsertJobScheduler(
      'prune-subscribers',
      { every: pruneSubscribersEveryMs },
      { name: 'prune_subscribers', data: { action: 'prune_subscribers' } satisfies MaintenanceJob },
    );
    await queues.maintenance.upsertJobScheduler(
      'prune-audit',
      { every: pruneAuditEveryMs },
      { name: 'prune_audit', data: { action: 'prune_audit' } satisfies MaintenanceJob },
    );
    await queues.maintenance.upsertJobScheduler(
      'maintenance-reconcile',
      { every: reconcileEveryMs },
      { name: 'reconcile', data: { action: 'reconcile' } satisfies MaintenanceJob },
    );
    // At start, missed transitions are done at once rather than at the scheduler's first run.
    const reconcileLog = logger.child({ component: 'maintenance-reconcile' });
    void maintenance
      .reconcile(reconcileLog)
      .catch((error) => reconcileLog.error({ err: error }, 'reconciliation failed'));
    const deliveryDeps = {
      db: db.db,
      store: createDeliveryStore(db.db),
      senders,
      render: {
        baseUrl: env.NOTIFICATIONS_BASE_URL,
        appSecret: env.APP_SECRET,
        verificationTtlMinutes: Math.max(1, Math.round(env.NOTIFICATIONS_VERIFICATION_CODE_TTL / 60)),
      },
      maxAttempts: env.NOTIFICATIONS_RETRY_MAX_ATTEMPTS,
      pauseQueue: (type: ChannelType, ms: number) => (queues as Queues).delivery[type].rateLimit(ms),
      observe: workerMetrics.delivery,
      webhookSnapshot: snapshotsPerMessage(createWebhookSnapshots(db.db, env.NOTIFICATIONS_BASE_URL)),
    };
    const telegramRate = env.NOTIFICATIONS_TELEGRAM_RATE_LIMIT;
    for (const type of channelTypes) {
      workers.push(
        register(context, {
          queue: queueNames.delivery[type],
          schema: DeliveryJob,
          concurrency: type === 'telegram' ? Math.min(env.WORKER_CONCURRENCY, telegramRate) : env.WORKER_CONCURRENCY,
          // Telegram allows about 30 messages a second per bot; the limiter holds for all workers together.
          limiter: type === 'telegram' ? { max: telegramRate, duration: 1000 } : undefined,
          process: (data, job, log, token) => deliver(deliveryDeps, data, job, log, token),
        }),
      );
    }
    for (const worker of workers) worker.on('completed', () => workerMetrics.completed(worker.name));
    relay = createOutboxRelay({
      db: db.db,
      queue: queues.outbox,
      redis,
      logger: logger.child({ component: 'outbox-relay' }),
      pollIntervalMs: env.WORKER_OUTBOX_POLL_INTERVAL,
      observe: workerMetrics.jobs,
    });
    relay.start();
    repair = startRepair({
      ...enqueueDeps,
      logger: logger.child({ component: 'repair' }),
      intervalMs: env.WORKER_REPAIR_INTERVAL,
      staleAfterMs: env.WORKER_REPAIR_STALE_AFTER,
    });
    logger.info(
      {
        database: describeDatabase(env.DATABASE_URL),
        installation: installationId,
        prefix,
        queues: [queueNames.outbox, queueNames.maintenance, ...Object.values(queueNames.delivery)],
        concurrency: env.WORKER_CONCURRENCY,
      },
      'worker started: relaying the outbox and delivering notifications',
    );
  })();
  started.catch((error) => logger.error({ err: error }, 'worker failed to start'));

  let closing: Promise<void> | undefined;
  return {
    ready,
    started,
    metrics: { maintenance: maintenanceMetrics, registry: workerMetrics.registry, url: () => metricsServer?.url },
    close() {
      closing ??= (async () => {
        logger.info('worker shutting down');
        stopping = true;
        stopWaiting();
        await started.catch(() => {});
        await relay?.stop();
        await repair?.stop();
        // Workers take no new jobs and wait for the ones in hand; past the deadline those are
        // left to BullMQ's stalled-job check, which hands them to the next worker.
        const finished = Promise.all(workers.map((worker) => worker.close())).then(() => true);
        const deadline = new Promise<false>((resolve) =>
          setTimeout(resolve, env.WORKER_SHUTDOWN_TIMEOUT, false).unref(),
        );
        if (await Promise.race([finished, deadline])) {
          await queues?.close();
          await Promise.all(Object.values(senders ?? {}).map((sender) => sender.close()));
          // QUIT would wait in the offline queue of a connection that is down.
          if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
          else redis.disconnect();
        } else {
          logger.warn('shutdown deadline passed: jobs still in hand return to their queues when their locks expire');
          redis.disconnect();
        }
        await metricsServer?.close();
        await db?.close();
        logger.info('worker stopped');
      })();
      return closing;
    },
  };
}
