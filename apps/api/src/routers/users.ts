import {
  AdminCreateUserInput,
  AdminResetPasswordInput,
  AdminUpdateUserInput,
  ListUsersInput,
  UserIdInput,
  UserResponse,
  UsersListResponse,
} from '@statuspage/contracts';
import { z } from 'zod';
import { adminProcedure, router } from '../trpc/init';

const tags = ['users'];
// The contract documents these operations' 400 with its plain Error schema (details: string).
const plain = { errorDetails: 'string' } as const;

export const usersRouter = router({
  list: adminProcedure
    .meta({
      openapi: { method: 'GET', path: '/api/v1/users', operationId: 'listUsers', tags, summary: 'List users' },
      ...plain,
    })
    .input(ListUsersInput)
    .output(UsersListResponse)
    .query(async ({ ctx, input }) => ({ data: await ctx.core.users.list(input) })),

  create: adminProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/users',
        operationId: 'adminCreateUser',
        tags,
        summary: 'Create a user (must change password)',
        errorResponses: [409],
      },
      status: 201,
      ...plain,
    })
    .input(AdminCreateUserInput)
    .output(UserResponse)
    .mutation(async ({ ctx, input }) => ({ data: await ctx.core.users.create(input) })),

  get: adminProcedure
    .meta({
      openapi: { method: 'GET', path: '/api/v1/users/{id}', operationId: 'getUser', tags, summary: 'Get a user' },
      ...plain,
    })
    .input(UserIdInput)
    .output(UserResponse)
    .query(async ({ ctx, input }) => ({ data: await ctx.core.users.get(input.id) })),

  update: adminProcedure
    .meta({
      openapi: {
        method: 'PATCH',
        path: '/api/v1/users/{id}',
        operationId: 'adminUpdateUser',
        tags,
        summary: 'Update role, active flag or profile',
        errorResponses: [409],
      },
      ...plain,
    })
    .input(AdminUpdateUserInput)
    .output(UserResponse)
    .mutation(async ({ ctx, input }) => ({ data: await ctx.core.users.update(ctx.user.id, input) })),

  resetPassword: adminProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/users/{id}/reset-password',
        operationId: 'adminResetPassword',
        tags,
        summary: "Set a user's password",
        errorResponses: [409],
      },
      status: 204,
      ...plain,
    })
    .input(AdminResetPasswordInput)
    .output(z.void())
    .mutation(async ({ ctx, input }) => {
      await ctx.core.users.resetPassword(ctx.user.id, input.id, input.new_password);
    }),
});
