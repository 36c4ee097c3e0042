/**
 * The input rules every procedure applies before its schema, REST and tRPC
 * alike (the procedure builders in init.ts run them after the role check, so
 * an anonymous caller learns nothing about the body it sent):
 *
 * - a JSON body the parser set aside (malformed, nested too deeply, not an
 *   object) is a 400 (`http/json-body.ts`);
 * - no string anywhere in the input, value or object key, may hold a control
 *   character other than tab, line feed and carriage return, nor a lone UTF-16
 *   surrogate: PostgreSQL cannot store NUL (the query fails), a lone surrogate
 *   would be stored silently altered, and the other controls have no place in
 *   any of our fields; 400 naming each field;
 * - nesting deeper than MAX_JSON_DEPTH (tRPC's query-string input is parsed
 *   by tRPC itself) is a 400.
 *
 * The walk is iterative: it must not overflow on the inputs it refuses.
 */
import { DomainError } from '@statuspage/core';
import type { Request } from 'express';
import { type BodyProblem, bodyProblemOf, MAX_JSON_DEPTH } from '../http/json-body';
import type { FieldError } from './errors';

// C0 controls except \t \n \r, and DEL.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const CONTROL_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
// A high surrogate not followed by a low one, or a low one not preceded by a high one (UTF-16 code units).
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a string cannot be stored as sent, or undefined. */
export function unstorableText(value: string): string | undefined {
  if (CONTROL_CHARACTER.test(value)) return 'must not contain control characters';
  if (LONE_SURROGATE.test(value)) return 'must be well-formed Unicode (no lone surrogates)';
  return undefined;
}

const MAX_REPORTED = 20;

/** Fields of an input that no schema should see: unstorable strings, or nesting past the limit. */
export function inspectInput(input: unknown, maxDepth = MAX_JSON_DEPTH): { tooDeep: boolean; fields: FieldError[] } {
  const fields: FieldError[] = [];
  const pending: { value: unknown; path: string; depth: number }[] = [{ value: input, path: '', depth: 0 }];
  const join = (path: string, key: string) => (path ? `${path}.${key}` : key);
  while (pending.length > 0 && fields.length < MAX_REPORTED) {
    const { value, path, depth } = pending.pop() as (typeof pending)[number];
    if (typeof value === 'string') {
      const problem = unstorableText(value);
      if (problem) fields.push({ field: path || 'input', message: problem });
    } else if (value !== null && typeof value === 'object') {
      if (depth >= maxDepth) return { tooDeep: true, fields: [] };
      const entries = Array.isArray(value)
        ? value.map((item, index) => [String(index), item] as const)
        : Object.entries(value);
      for (const [key, child] of entries) {
        const keyProblem = unstorableText(key);
        if (keyProblem) fields.push({ field: join(path, key.replace(/[^\x20-\x7e]/g, '?')), message: keyProblem });
        else pending.push({ value: child, path: join(path, key), depth: depth + 1 });
      }
    }
  }
  fields.sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0));
  return { tooDeep: false, fields };
}

const bodyProblems: Record<BodyProblem, { message: string; detail: string }> = {
  malformed: { message: 'malformed JSON body', detail: 'malformed JSON' },
  too_deep: { message: 'JSON body nested too deeply', detail: `nested deeper than ${MAX_JSON_DEPTH} levels` },
  not_object: { message: 'request body must be a JSON object', detail: 'must be a JSON object' },
};

/** The input fields that are REST path parameters of an operation (`{id}`, `{slug}`). */
export function pathParameters(restPath: string | undefined): Set<string> {
  return new Set([...(restPath ?? '').matchAll(/\{([^}]+)\}/g)].map((found) => found[1] ?? ''));
}

/**
 * One rule for every path id: an id or slug that fails its rules names a
 * resource that cannot exist, so it is a 404 (not a 400), REST and tRPC alike.
 */
export function noSuchResource() {
  return new DomainError('not_found', 'input.no_such_resource', 'not found');
}

/** Throws the 400 (or 404) an input breaking the rules above gets; returns when it keeps them. */
export function guardInput(req: Request, rawInput: unknown, pathParams: Set<string>) {
  const problem = bodyProblemOf(req);
  if (problem) {
    const { message, detail } = bodyProblems[problem];
    throw new DomainError('invalid', `input.body_${problem}`, message, [{ field: 'body', message: detail }]);
  }
  const { tooDeep, fields } = inspectInput(rawInput);
  if (tooDeep) {
    const { message, detail } = bodyProblems.too_deep;
    throw new DomainError('invalid', 'input.too_deep', message, [{ field: 'input', message: detail }]);
  }
  if (fields.length === 0) return;
  if (fields.some((field) => pathParams.has(field.field.split('.')[0] ?? ''))) throw noSuchResource();
  throw new DomainError('invalid', 'input.unstorable_text', 'validation failed', fields);
}
