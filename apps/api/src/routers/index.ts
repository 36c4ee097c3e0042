import { router } from '../trpc/init';
import { authRouter } from './auth';
import { eventsRouter } from './events';
import { groupsRouter } from './groups';
import { servicesRouter } from './services';
import { statusRouter } from './status';
import { templatesRouter } from './templates';
import { usersRouter } from './users';

/** The root router: one sub-router per domain. */
export const appRouter = router({
  auth: authRouter,
  users: usersRouter,
  services: servicesRouter,
  groups: groupsRouter,
  events: eventsRouter,
  status: statusRouter,
  templates: templatesRouter,
});
export type AppRouter = typeof appRouter;
