/**
 * How errors are logged (pino's `err`): like pino's standard serializer, but
 * a database error never carries the values of its query. Drizzle's
 * DrizzleQueryError puts the parameters in its message, its stack and its
 * `params`; postgres.js errors may carry `parameters`/`args` and a `detail`
 * ("Failing row contains (…)", "Key (email)=(…)") and `where` with row values.
 * A failure while writing a password hash, a reset token or a verification
 * code must not write them to the log. The SQL text stays (its values are
 * placeholders).
 */

/** Properties that hold values of a query or of a row. */
const valueKeys = new Set(['params', 'parameters', 'args', 'detail', 'where']);
const MAX_CAUSES = 8;

/** Drizzle writes `Failed query: <sql>\nparams: <values>`: keep the first part. */
function withoutParams(message: string) {
  const at = message.indexOf('\nparams:');
  return at === -1 ? message : message.slice(0, at);
}

type Serialized = { type: string; message: string; stack?: string; cause?: Serialized } & Record<string, unknown>;

function describe(error: unknown, depth: number): Serialized | undefined {
  if (!(error instanceof Error)) {
    return error === undefined ? undefined : { type: typeof error, message: String(error) };
  }
  const type = error.constructor?.name ?? error.name;
  const message = withoutParams(error.message);
  // The stack repeats the message (and so the parameters): rebuild it from the frames.
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  const serialized: Serialized = { type, message, stack: [`${error.name}: ${message}`, ...frames].join('\n') };
  for (const [key, value] of Object.entries(error)) {
    if (valueKeys.has(key) || key === 'cause' || key in serialized) continue;
    serialized[key] = value instanceof Error ? describe(value, depth + 1) : value;
  }
  if (error.cause !== undefined && depth < MAX_CAUSES) {
    const cause = describe(error.cause, depth + 1);
    if (cause) serialized.cause = cause;
  }
  return serialized;
}

/**
 * The `err` serializer of every logger (api and worker). Also accepts what
 * pino-std-serializers made of an error (pino-http pre-serialises: the
 * original is on its `raw`).
 */
export function serializeError(value: unknown): unknown {
  const raw = value && typeof value === 'object' && 'raw' in value ? (value as { raw: unknown }).raw : value;
  if (!(raw instanceof Error)) return value;
  return describe(raw, 0);
}
