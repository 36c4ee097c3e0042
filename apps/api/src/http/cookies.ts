import { type SetCookie, stringifySetCookie } from 'cookie';

const serialize = (name: string, value: string, attributes: Omit<SetCookie, 'name' | 'value'>) =>
  stringifySetCookie({ name, value, ...attributes });

import type { Response } from 'express';

export interface CookieSettings {
  secure: boolean;
  domain?: string | undefined;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
}

export const ACCESS_COOKIE = 'access_token';
export const REFRESH_COOKIE = 'refresh_token';
export const CSRF_COOKIE = 'csrf_token';
/** The refresh cookie only travels to the auth endpoints (Path=/api/v1/auth). */
export const REFRESH_COOKIE_PATH = '/api/v1/auth';

function append(res: Response, cookie: string) {
  const current = res.getHeader('Set-Cookie');
  const list = Array.isArray(current) ? current : current ? [String(current)] : [];
  res.setHeader('Set-Cookie', [...list, cookie]);
}

/** Sets the three auth cookies: access_token (HttpOnly, Lax), refresh_token (HttpOnly, Strict, auth path only), csrf_token (readable by scripts). */
export function setAuthCookies(
  res: Response,
  settings: CookieSettings,
  tokens: { accessToken: string; refreshToken: string; csrfToken: string },
) {
  const base = { secure: settings.secure, ...(settings.domain ? { domain: settings.domain } : {}) };
  append(
    res,
    serialize(ACCESS_COOKIE, tokens.accessToken, {
      ...base,
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      maxAge: settings.accessTtlSeconds,
    }),
  );
  append(
    res,
    serialize(REFRESH_COOKIE, tokens.refreshToken, {
      ...base,
      httpOnly: true,
      sameSite: 'strict',
      path: REFRESH_COOKIE_PATH,
      maxAge: settings.refreshTtlSeconds,
    }),
  );
  append(
    res,
    serialize(CSRF_COOKIE, tokens.csrfToken, {
      ...base,
      httpOnly: false,
      sameSite: 'lax',
      path: '/',
      maxAge: settings.refreshTtlSeconds,
    }),
  );
}

/** Re-sets the access cookie after lucia extended the session (sliding expiry). */
export function refreshAccessCookie(res: Response, settings: CookieSettings, accessToken: string) {
  const base = { secure: settings.secure, ...(settings.domain ? { domain: settings.domain } : {}) };
  append(
    res,
    serialize(ACCESS_COOKIE, accessToken, {
      ...base,
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      maxAge: settings.accessTtlSeconds,
    }),
  );
}

/** Clears the auth cookies (Max-Age=0). */
export function clearAuthCookies(res: Response, settings: CookieSettings) {
  const base = { secure: settings.secure, ...(settings.domain ? { domain: settings.domain } : {}), maxAge: 0 };
  append(res, serialize(ACCESS_COOKIE, '', { ...base, httpOnly: true, sameSite: 'lax', path: '/' }));
  append(
    res,
    serialize(REFRESH_COOKIE, '', { ...base, httpOnly: true, sameSite: 'strict', path: REFRESH_COOKIE_PATH }),
  );
  append(res, serialize(CSRF_COOKIE, '', { ...base, httpOnly: false, sameSite: 'lax', path: '/' }));
}
