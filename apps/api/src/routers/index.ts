import { router } from '../trpc/init';
import { auditRouter } from './audit';
import { authRouter } from './auth';
import { channelsRouter } from './channels';
import { eventsRouter } from './events';
import { groupsRouter } from './groups';
import { integrationsRouter } from './integrations';
import { keysRouter } from './keys';
import { notificationsRouter } from './notifications';
import { servicesRouter } from './services';
import { settingsRouter } from './settings';
import { statusRouter } from './status';
import { subscribersRouter } from './subscribers';
import { templatesRouter } from './templates';
import { usersRouter } from './users';

/** The root router: one sub-router per domain. */
export const appRouter = router({
  audit: auditRouter,
  auth: authRouter,
  users: usersRouter,
  keys: keysRouter,
  services: servicesRouter,
  groups: groupsRouter,
  events: eventsRouter,
  integrations: integrationsRouter,
  status: statusRouter,
  templates: templatesRouter,
  channels: channelsRouter,
  notifications: notificationsRouter,
  settings: settingsRouter,
  subscribers: subscribersRouter,
});
export type AppRouter = typeof appRouter;
