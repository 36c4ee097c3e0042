import {
  ChangePasswordInput,
  envelope,
  ForgotPasswordInput,
  LoginInput,
  LoginResponse,
  MessageResponse,
  RefreshInput,
  RegisterInput,
  ResetPasswordInput,
  TokenPair,
  UpdateProfileInput,
  UserResponse,
} from '@statuspage/contracts';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { clearAuthCookies, setAuthCookies } from '../http/cookies';
import { publicProcedure, router, userProcedure } from '../trpc/init';

const tags = ['auth'];

export const authRouter = router({
  register: publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/auth/register',
        operationId: 'register',
        tags,
        summary: 'Register a new user',
        errorResponses: [409],
      },
      status: 201,
      rateLimit: { attempts: 'register', account: { field: 'email' } },
      invalidatesPublicData: false,
    })
    .input(RegisterInput)
    .output(UserResponse)
    .mutation(async ({ ctx, input }) => ({ data: await ctx.core.auth.register(input) })),

  login: publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/auth/login',
        operationId: 'login',
        tags,
        summary: 'Log in',
        description:
          'Sets the access_token (HttpOnly, SameSite=Lax), refresh_token (HttpOnly, SameSite=Strict, Path=/api/v1/auth) and csrf_token cookies, and returns the tokens for API clients.',
        errorResponses: [401, 403],
      },
      rateLimit: { guesses: 'login', account: { field: 'email' }, wrongCode: 'identity.invalid_credentials' },
      invalidatesPublicData: false,
    })
    .input(LoginInput)
    .output(LoginResponse)
    .mutation(async ({ ctx, input }) => {
      const { user, tokens } = await ctx.core.auth.login(input);
      setAuthCookies(ctx.res, ctx.cookies, {
        accessToken: tokens.access_token,
        refreshToken: tokens.refresh_token,
        csrfToken: ctx.newCsrfToken(),
      });
      return { data: { user, ...tokens } };
    }),

  refresh: publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/auth/refresh',
        operationId: 'refreshTokens',
        tags,
        summary: 'Rotate the refresh token',
        description:
          'Reads the refresh token from the body or the refresh_token cookie, sets new cookies. REST answers 204; tRPC callers receive the new token pair.',
        errorResponses: [401, 403],
      },
      status: 204,
      invalidatesPublicData: false,
    })
    .input(RefreshInput)
    .output(envelope(TokenPair))
    .mutation(async ({ ctx, input }) => {
      const token = input?.refresh_token ?? ctx.refreshCookie;
      if (!token) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'refresh token required' });
      const { tokens } = await ctx.core.auth.refresh(token);
      setAuthCookies(ctx.res, ctx.cookies, {
        accessToken: tokens.access_token,
        refreshToken: tokens.refresh_token,
        csrfToken: ctx.newCsrfToken(),
      });
      return { data: tokens };
    }),

  logout: publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/auth/logout',
        operationId: 'logout',
        tags,
        summary: 'Log out and clear the cookies',
      },
      status: 204,
      invalidatesPublicData: false,
    })
    .input(RefreshInput)
    .output(z.void())
    .mutation(async ({ ctx, input }) => {
      const session = await ctx.getSession();
      await ctx.core.auth.logout({
        sessionId: session?.sessionId ?? undefined,
        refreshToken: input?.refresh_token ?? ctx.refreshCookie,
      });
      clearAuthCookies(ctx.res, ctx.cookies);
    }),

  forgotPassword: publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/auth/forgot-password',
        operationId: 'forgotPassword',
        tags,
        summary: 'Request a password reset e-mail',
        description: 'Always answers 200 (no account enumeration), unless e-mail is not configured (400).',
      },
      errorDetails: 'string',
      rateLimit: { attempts: 'forgot_password', account: { field: 'email' } },
      invalidatesPublicData: false,
    })
    .input(ForgotPasswordInput)
    .output(MessageResponse)
    .mutation(async ({ ctx, input }) => {
      if (!ctx.emailEnabled) {
        throw new TRPCError({ code: 'BAD_REQUEST', message: 'password reset by e-mail is not configured' });
      }
      await ctx.core.auth.forgotPassword(input.email);
      return { data: { message: 'if an account exists for this address, a reset link has been sent' } };
    }),

  resetPassword: publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api/v1/auth/reset-password',
        operationId: 'resetPassword',
        tags,
        summary: 'Set a new password with a reset token',
      },
      status: 204,
      errorDetails: 'string',
      // Per ip and per token (its hash: the limiter's keys never hold a usable token).
      rateLimit: { attempts: 'reset_password', account: { hashedField: 'token' } },
      invalidatesPublicData: false,
    })
    .input(ResetPasswordInput)
    .output(z.void())
    .mutation(async ({ ctx, input }) => {
      await ctx.core.auth.resetPassword(input.token, input.new_password);
    }),

  me: userProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/api/v1/me',
        operationId: 'getCurrentUser',
        tags,
        summary: 'The signed-in user',
      },
    })
    .input(z.void())
    .output(UserResponse)
    .query(async ({ ctx }) => ({ data: await ctx.core.auth.me(ctx.user.id) })),

  updateProfile: userProcedure
    .meta({
      openapi: {
        method: 'PATCH',
        path: '/api/v1/me',
        operationId: 'updateProfile',
        tags,
        summary: 'Update your profile',
      },
      invalidatesPublicData: false,
    })
    .input(UpdateProfileInput)
    .output(UserResponse)
    .mutation(async ({ ctx, input }) => ({ data: await ctx.core.auth.updateProfile(ctx.user.id, input) })),

  changePassword: userProcedure
    .meta({
      openapi: {
        method: 'PUT',
        path: '/api/v1/me/password',
        operationId: 'changePassword',
        tags,
        summary: 'Change your password',
        description: 'Ends every session of the account and clears the auth cookies.',
      },
      status: 204,
      rateLimit: { guesses: 'change_password', account: 'caller', wrongCode: 'identity.wrong_current_password' },
      invalidatesPublicData: false,
    })
    .input(ChangePasswordInput)
    .output(z.void())
    .mutation(async ({ ctx, input }) => {
      await ctx.core.auth.changePassword(ctx.user.id, input.current_password, input.new_password);
      clearAuthCookies(ctx.res, ctx.cookies);
    }),
});
