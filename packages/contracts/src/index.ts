export * from './catalog';
export * from './common';
export * from './enums';
export * from './events';
export * from './identity';
export * from './outbox';
export * from './templates';
