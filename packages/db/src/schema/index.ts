export * from './catalog';
export * from './enums';
export * from './events';
export * from './identity';
export * from './notifications';
export * from './outbox';
export * from './page';
export * from './status-log';
