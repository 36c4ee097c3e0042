import { router } from '../trpc/init';
import { authRouter } from './auth';
import { groupsRouter } from './groups';
import { servicesRouter } from './services';
import { usersRouter } from './users';

/** The root router: one sub-router per domain. */
export const appRouter = router({
  auth: authRouter,
  users: usersRouter,
  services: servicesRouter,
  groups: groupsRouter,
});
export type AppRouter = typeof appRouter;
