/**
 * Request generators for the fuzz test, derived from our own OpenAPI document
 * (not from a hand-written list): each operation's path parameters, query
 * parameters and JSON body schema give valid requests, boundary requests and
 * malformed ones, each marked with whether the api must refuse it.
 */
import fc from 'fast-check';

export type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  default?: unknown;
};

export interface Parameter {
  name: string;
  in: 'path' | 'query';
  required?: boolean;
  schema: JsonSchema;
}

export interface Operation {
  operationId: string;
  method: string;
  path: string;
  parameters: Parameter[];
  body?: JsonSchema;
  /** The doc marks protected operations with `security`. */
  protected: boolean;
}

type OpenApiDocument = { paths: Record<string, Record<string, Record<string, unknown>>> };

/** The probes: no input, nothing to fuzz. */
const PROBES = new Set(['/healthz', '/readyz']);

/** Every operation of the document: the REST side and the public routes outside it (Statuspage API, feeds, badges). */
export function operationsOf(document: unknown): Operation[] {
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries((document as OpenApiDocument).paths)) {
    if (PROBES.has(path)) continue;
    for (const [method, operation] of Object.entries(methods)) {
      const content = (operation.requestBody as { content?: Record<string, { schema?: JsonSchema }> } | undefined)
        ?.content;
      const body = content?.['application/json']?.schema;
      operations.push({
        operationId: String(operation.operationId),
        method: method.toUpperCase(),
        path,
        parameters: (operation.parameters as Parameter[] | undefined) ?? [],
        ...(body ? { body } : {}),
        protected: Array.isArray(operation.security) && operation.security.length > 0,
      });
    }
  }
  return operations;
}

/** What one generated request is, and whether the api must refuse it whoever sends it. */
export interface FuzzRequest {
  /** valid, boundary or malformed (with what is wrong). */
  label: string;
  mustFail: boolean;
  path: Record<string, string>;
  query: Record<string, string>;
  /** A JSON value to send, raw text, or nothing at all. */
  body: { json: unknown } | { raw: string } | { none: true };
}

const UNICODE_EDGES = ['é', 'e\u0301', '🚀', '\u202eRTL', '\ufeffbom', '𝔘𝔫𝔦', '\u00a0', '中文', 'ﷺ', '\u2028'];
const HOSTILE_STRINGS: [string, string][] = [
  ['NUL', 'a\u0000b'],
  ['a control character', '\u0007bell'],
  ['escape', '\u001b[31m'],
  ['DEL', 'x\u007f'],
  ['a lone high surrogate', 'x\ud83d'],
  ['a lone low surrogate', '\ude80x'],
];
const NOT_IDS = ['not-an-id', '123', '-1', '0', 'a'.repeat(300), '%00', "' or 1=1 --", 'ünï', 'x y', '{id}', '\u0000'];

const word = fc.stringMatching(/^[a-z][a-z0-9]{0,11}$/);
const slug = fc
  .array(fc.stringMatching(/^[a-z0-9]{1,8}$/), { minLength: 1, maxLength: 3 })
  .map((parts) => `fz-${parts.join('-')}`);
const email = fc.tuple(word, fc.integer({ min: 0, max: 1e9 })).map(([name, n]) => `fz-${name}${n}@example.test`);
const isoDate = fc
  .date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2035-01-01T00:00:00Z'), noInvalidDate: true })
  .map((date) => date.toISOString());

function typeOf(schema: JsonSchema): string | undefined {
  if (Array.isArray(schema.type)) return schema.type.find((type) => type !== 'null');
  if (schema.type) return schema.type;
  if (schema.enum) return typeof schema.enum[0];
  if (schema.properties) return 'object';
  return undefined;
}

function alternatives(schema: JsonSchema): JsonSchema[] | undefined {
  const options = schema.anyOf ?? schema.oneOf;
  return options?.filter((option) => option.type !== 'null');
}

/** A string that keeps the schema's rules (`boundary`: at its length limits). */
function stringArb(schema: JsonSchema, boundary: boolean, pool?: readonly string[]): fc.Arbitrary<string> {
  if (schema.enum) return fc.constantFrom(...(schema.enum as string[]));
  if (schema.format === 'uuid') {
    return pool && pool.length > 0 ? fc.oneof(fc.constantFrom(...pool), fc.uuid()) : fc.uuid();
  }
  if (schema.format === 'email') return email;
  if (schema.format === 'date-time') return isoDate;
  if (schema.pattern === '^[a-z0-9]+(?:-[a-z0-9]+)*$') return slug;
  if (schema.pattern === '^\\d{6}$') return fc.stringMatching(/^\d{6}$/);
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? 2000;
  if (boundary) {
    return fc.oneof(
      fc.constant('x'.repeat(Math.max(min, 1))),
      fc.constant('y'.repeat(max)),
      fc.constantFrom(...UNICODE_EDGES).map((edge) => edge.slice(0, max).padEnd(Math.max(min, 1), 'z')),
    );
  }
  return fc
    .oneof(fc.string({ maxLength: 24 }), fc.constantFrom(...UNICODE_EDGES), word)
    .map((value) => value.slice(0, max).padEnd(Math.max(min, 1), 'q'));
}

/** A value that keeps a JSON schema (loosely: the api may still refuse it for domain reasons). */
export function valueArb(
  schema: JsonSchema,
  boundary = false,
  depth = 0,
  pool?: readonly string[],
): fc.Arbitrary<unknown> {
  const options = alternatives(schema);
  if (options && options.length > 0)
    return fc.oneof(...options.map((option) => valueArb(option, boundary, depth, pool)));
  switch (typeOf(schema)) {
    case 'string':
      return stringArb(schema, boundary, pool);
    case 'integer':
    case 'number': {
      const min = Math.max(schema.minimum ?? -1_000_000, Number.MIN_SAFE_INTEGER);
      const max = Math.min(schema.maximum ?? 1_000_000, Number.MAX_SAFE_INTEGER);
      return boundary ? fc.constantFrom(min, max) : fc.integer({ min: Math.max(min, -1e6), max: Math.min(max, 1e6) });
    }
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const item = valueArb(schema.items ?? {}, boundary, depth + 1, pool);
      return fc.array(item, { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 3, 3) });
    }
    case 'object': {
      if (depth > 4) return fc.constant({});
      const properties = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      const entries = Object.entries(properties).map(
        ([key, child]) => [key, valueArb(child, boundary, depth + 1, pool)] as const,
      );
      if (entries.length === 0 && typeof schema.additionalProperties === 'object') {
        const key = schema.propertyNames ? stringArb(schema.propertyNames, false) : word;
        return fc.dictionary(key, valueArb(schema.additionalProperties, boundary, depth + 1, pool), { maxKeys: 3 });
      }
      return fc.record(Object.fromEntries(entries), {
        requiredKeys: [...required].filter((key) => key in properties),
      });
    }
    default:
      return fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean());
  }
}

/** A value of the wrong JSON type for a schema (none when the schema takes anything). */
function wrongTypeArb(schema: JsonSchema): fc.Arbitrary<unknown> | undefined {
  const type = typeOf(alternatives(schema)?.[0] ?? schema);
  switch (type) {
    case 'string':
      return fc.oneof(fc.integer(), fc.boolean(), fc.constant([]), fc.constant({ a: 1 }));
    case 'integer':
    case 'number':
      return fc.oneof(fc.constant('12'), fc.constant(true), fc.constant(1.5), fc.constant([1]));
    case 'boolean':
      return fc.oneof(fc.constant('true'), fc.constant(1), fc.constant({}));
    case 'array':
      return fc.oneof(fc.constant('[]'), fc.constant({ 0: 'a' }), fc.constant(7));
    case 'object':
      return fc.oneof(fc.constant('{}'), fc.constant([{}]), fc.constant(3));
    default:
      return undefined;
  }
}

const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** Bodies that are wrong as a whole, whatever the schema. */
const wholeBodyProblems: [string, FuzzRequest['body']][] = [
  ['malformed JSON', { raw: '{"a": ' }],
  ['malformed JSON (trailing comma)', { raw: '{"a":1,}' }],
  ['an array root', { raw: '[]' }],
  ['a null root', { raw: 'null' }],
  ['a number root', { raw: '42' }],
  ['a string root', { raw: '"text"' }],
  ['a boolean root', { raw: 'true' }],
  ['nesting 10,000 deep', { raw: deep(10_000) }],
  ['nesting 100,000 deep', { raw: `{"a":${deep(100_000)}}` }],
  ['an object nested 5,000 deep', { raw: `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}` }],
];

/** The body variants of an operation with a JSON body. */
function bodyArb(
  schema: JsonSchema,
  pool: readonly string[],
): fc.Arbitrary<Pick<FuzzRequest, 'label' | 'mustFail' | 'body'>> {
  const properties = Object.entries(schema.properties ?? {});
  const required = schema.required ?? [];
  const valid = valueArb(schema, false, 0, pool) as fc.Arbitrary<Record<string, unknown>>;
  const variants: fc.Arbitrary<Pick<FuzzRequest, 'label' | 'mustFail' | 'body'>>[] = [
    valid.map((json) => ({ label: 'valid', mustFail: false, body: { json } })),
    (valueArb(schema, true, 0, pool) as fc.Arbitrary<Record<string, unknown>>).map((json) => ({
      label: 'boundary',
      mustFail: false,
      body: { json },
    })),
    fc.constantFrom(...wholeBodyProblems).map(([label, body]) => ({ label, mustFail: true, body })),
    valid.map((json) => ({
      label: 'an unknown field',
      mustFail: schema.additionalProperties === false,
      body: { json: { ...json, fz_unknown: 1 } },
    })),
    fc.constant({ label: 'an empty body', mustFail: required.length > 0, body: { none: true } as const }),
    fc.constant({ label: 'an empty object', mustFail: required.length > 0, body: { json: {} } }),
  ];
  for (const [key, child] of properties) {
    const wrong = wrongTypeArb(child);
    if (wrong) {
      variants.push(
        fc.tuple(valid, wrong).map(([json, value]) => ({
          label: `a wrong type for ${key}`,
          mustFail: true,
          body: { json: { ...json, [key]: value } },
        })),
      );
    }
    const stringField = typeOf(alternatives(child)?.[0] ?? child) === 'string';
    if (stringField) {
      variants.push(
        fc.tuple(valid, fc.constantFrom(...HOSTILE_STRINGS)).map(([json, [what, value]]) => ({
          label: `${what} in ${key}`,
          mustFail: true,
          body: { json: { ...json, [key]: value } },
        })),
      );
      const max = (alternatives(child)?.[0] ?? child).maxLength;
      variants.push(
        valid.map((json) => ({
          label: `a huge string in ${key}`,
          mustFail: max !== undefined,
          // Longer than the field's own limit (the import's CSV allows 500,000 characters).
          body: { json: { ...json, [key]: 'h'.repeat(Math.max(200_000, (max ?? 0) + 1)) } },
        })),
      );
    }
    if (required.includes(key)) {
      variants.push(
        valid.map((json) => {
          const { [key]: _dropped, ...rest } = json;
          return { label: `${key} missing`, mustFail: true, body: { json: rest } };
        }),
      );
    }
  }
  return fc.oneof(...variants);
}

export interface Pools {
  /** Existing ids or slugs for a path parameter of a path, e.g. `/api/v1/events/{id}` → event ids. */
  pathValues(path: string, name: string): readonly string[];
  /** Existing ids for uuid fields of bodies and queries (services, groups, …). */
  ids: readonly string[];
}

/** Every request variant of an operation: valid, boundary and malformed path, query and body. */
export function requestArb(operation: Operation, pools: Pools): fc.Arbitrary<FuzzRequest> {
  const pathParams = operation.parameters.filter((parameter) => parameter.in === 'path');
  const queryParams = operation.parameters.filter((parameter) => parameter.in === 'query');

  const pathArb = fc.record(
    Object.fromEntries(
      pathParams.map((parameter) => {
        const existing = pools.pathValues(operation.path, parameter.name);
        const unknown = parameter.schema.format === 'uuid' ? fc.uuid() : slug;
        const options: fc.Arbitrary<{ value: string; bad: boolean }>[] = [
          unknown.map((value) => ({ value, bad: false })),
          fc.constantFrom(...NOT_IDS).map((value) => ({ value, bad: true })),
        ];
        if (existing.length > 0) {
          options.push(fc.constantFrom(...existing).map((value) => ({ value, bad: false })));
          options.push(fc.constantFrom(...existing).map((value) => ({ value, bad: false })));
        }
        return [parameter.name, fc.oneof(...options)];
      }),
    ),
  );

  const queryArb = fc.record(
    Object.fromEntries(
      queryParams.map((parameter) => {
        const schema = parameter.schema;
        const type = typeOf(schema);
        const good = valueArb(schema, false, 0, pools.ids).map((value) => ({ value: String(value), bad: false }));
        const edge = valueArb(schema, true, 0, pools.ids).map((value) => ({ value: String(value), bad: false }));
        const bad: string[] = ['\u0000', 'x\u0001', 'q'.repeat(4000)];
        if (type === 'integer' || type === 'number') bad.push('abc', '1.5', '1e3', '-99999999999999999999');
        if (type === 'boolean') bad.push('maybe', 'TRUE ', '2');
        // (An empty value counts as absent: the REST library drops it.)
        if (schema.enum || schema.format === 'uuid') bad.push('nope');
        const malformed = fc.constantFrom(...bad).map((value) => ({ value, bad: true }));
        return [parameter.name, fc.option(fc.oneof(good, edge, malformed), { nil: undefined })];
      }),
    ),
    { requiredKeys: [] },
  );

  const bodyVariants = operation.body
    ? bodyArb(operation.body, pools.ids)
    : fc.constantFrom<Pick<FuzzRequest, 'label' | 'mustFail' | 'body'>>(
        { label: 'no body', mustFail: false, body: { none: true } },
        // Operations without a body schema are GETs and body-less POST/DELETEs; a stray body is not an input.
        { label: 'no body', mustFail: false, body: { none: true } },
      );

  return fc.tuple(pathArb, queryArb, bodyVariants).map(([path, query, body]) => {
    const badPath = Object.entries(path).filter(([, value]) => value.bad);
    const badQuery = Object.entries(query).filter(([, value]) => value?.bad);
    const problems = [
      ...badPath.map(([name, value]) => `path ${name}=${JSON.stringify(value.value).slice(0, 40)}`),
      ...badQuery.map(([name]) => `query ${name}`),
    ];
    return {
      label: [body.label, ...problems].join(', '),
      mustFail: body.mustFail || problems.length > 0,
      path: Object.fromEntries(Object.entries(path).map(([name, value]) => [name, value.value])),
      query: Object.fromEntries(
        Object.entries(query).flatMap(([name, value]) => (value ? [[name, value.value] as const] : [])),
      ),
      body: body.body,
    };
  });
}

/** The URL of a request: path parameters percent-encoded into the template, then the query. */
export function urlOf(operation: Operation, request: FuzzRequest) {
  const path = operation.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
    encodeURIComponent(request.path[name] ?? ''),
  );
  const query = new URLSearchParams(request.query).toString();
  return query ? `${path}?${query}` : path;
}
