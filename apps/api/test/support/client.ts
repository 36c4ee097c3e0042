/**
 * A small HTTP client for the tests: real requests over the loopback with
 * fetch, JSON in and out, cookies and tokens handled explicitly.
 */
export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
  /** Set-Cookie lines by cookie name. */
  cookies: Record<string, string>;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  /** Raw body text (sent as is, for malformed JSON tests). */
  raw?: string;
  headers?: Record<string, string>;
  cookie?: string;
}

export function createHttp(baseUrl: string) {
  async function request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<HttpResult<T>> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.cookie) headers.cookie = options.cookie;
    let body: string | undefined;
    if (options.raw !== undefined) {
      body = options.raw;
      headers['content-type'] ??= 'application/json';
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body, redirect: 'manual' });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    const cookies: Record<string, string> = {};
    for (const line of response.headers.getSetCookie()) {
      const name = line.split('=')[0];
      if (name) cookies[name] = line;
    }
    return { status: response.status, headers: response.headers, body: parsed as T, text, cookies };
  }
  return {
    request,
    get: <T = any>(path: string, options?: RequestOptions) => request<T>('GET', path, options),
    post: <T = any>(path: string, options?: RequestOptions) => request<T>('POST', path, options),
    put: <T = any>(path: string, options?: RequestOptions) => request<T>('PUT', path, options),
    patch: <T = any>(path: string, options?: RequestOptions) => request<T>('PATCH', path, options),
    delete: <T = any>(path: string, options?: RequestOptions) => request<T>('DELETE', path, options),
  };
}
export type Http = ReturnType<typeof createHttp>;

/** The value of a cookie from its Set-Cookie line. */
export function cookieValue(setCookie: string | undefined): string {
  return setCookie?.split(';')[0]?.split('=').slice(1).join('=') ?? '';
}
