/**
 * Infrastructure without business rules, shared by the api and the worker.
 * Nothing here knows statuses, events or subscribers.
 */
export { serializeError } from './error-serializer';
export { type MetricsServer, type MetricsSource, startMetricsServer } from './metrics-server';
export {
  createRedisClient,
  createRedisSubscriber,
  describeRedisTopology,
  queueKeyPrefix,
  type RedisClient,
  type RedisClientOptions,
  type RedisNode,
  type RedisSettings,
  type RedisSubscriber,
  type RedisTopology,
  redisNodeListSetting,
  redisRefinementParams,
  redisSettings,
  redisTopologyOf,
  refineRedisTopology,
} from './redis';
export * from './settings';
export { createTelegramClient, type TelegramClientSettings, type TelegramFailure, telegramFailureOf } from './telegram';
export {
  createWebhookPoster,
  isNetwork,
  literalAddressRefusal,
  networkListSetting,
  refusedAddress,
  retryAfterMsOf,
  WebhookAddressRefused,
  type WebhookPoster,
  type WebhookResponse,
  WebhookUnreachable,
} from './webhook';
