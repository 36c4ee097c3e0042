export * from './client';
export { readInstallationId } from './installation';
export * as schema from './schema';
export * from './schema';
export { developmentAccounts, seedDevelopmentData } from './seed';
