export * from './catalog';
export * from './common';
export * from './enums';
export * from './identity';
export * from './outbox';
