/**
 * JSON request bodies for the REST and tRPC endpoints.
 *
 * Express's parser turns a body into `req.body`; what a client can get wrong
 * with it (malformed JSON, nesting deeper than `maxDepth`) is not answered
 * here but set aside on the request (`bodyProblemOf`) with an empty body in
 * its place, so that the procedure answers it after authenticating the caller
 * (an anonymous caller gets 401 whatever the body): see `trpc/input-guard.ts`.
 * Elsewhere (the unsubscribe page…) the problem stays an error of the request.
 *
 * The depth is measured on the raw text before `JSON.parse`, by one linear scan
 * that does not recurse: a 1 MB body of brackets would otherwise overflow the
 * stack wherever a library walks it recursively (tRPC re-serialises bodies,
 * loggers and validators walk them).
 */
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import express from 'express';

/** The deepest nesting of arrays and objects a JSON body may have (ours need 4). */
export const MAX_JSON_DEPTH = 64;

export type BodyProblem = 'malformed' | 'too_deep' | 'not_object';

const problemKey = Symbol('bodyProblem');
type WithProblem = Request & { [problemKey]?: BodyProblem };

/** What was wrong with the request's JSON body, if anything (set by `jsonBody`). */
export function bodyProblemOf(req: Request): BodyProblem | undefined {
  return (req as WithProblem)[problemKey];
}

/** Sets a body problem aside for the procedure to answer, with an empty body in its place. */
export function deferBodyProblem(req: Request, problem: BodyProblem) {
  (req as WithProblem)[problemKey] = problem;
  req.body = {};
}

class TooDeep extends Error {
  override readonly name = 'TooDeep';
}

class UnsupportedCharset extends Error {
  override readonly name = 'UnsupportedCharset';
  readonly status = 415;
  readonly expose = true;
}

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether JSON text nests arrays/objects deeper than `max`, counting brackets
 * outside strings. Works on UTF-8 bytes (no byte of a multi-byte sequence is
 * ASCII) or on UTF-16 code units of a string alike. Does not validate.
 */
export function jsonNestsDeeperThan(text: Uint8Array | string, max: number): boolean {
  const length = text.length;
  const at: (index: number) => number =
    typeof text === 'string' ? (index) => text.charCodeAt(index) : (index) => text[index] as number;
  let depth = 0;
  let inString = false;
  for (let index = 0; index < length; index++) {
    const code = at(index);
    if (inString) {
      if (code === BACKSLASH) index++;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) {
      inString = true;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

function checkDepth(maxDepth: number) {
  return (_req: unknown, _res: unknown, body: Buffer, encoding: string) => {
    let text: Uint8Array | string = body;
    if (!/^utf-?8$/i.test(encoding)) {
      try {
        text = new TextDecoder(encoding).decode(body);
      } catch {
        throw new UnsupportedCharset(`unsupported charset "${encoding}"`);
      }
    }
    if (jsonNestsDeeperThan(text, maxDepth)) throw new TooDeep('JSON nested too deeply');
  };
}

/** Paths whose body problems the procedures answer (after authentication). */
const deferredPrefixes = ['/api/v1/', '/trpc/'];

/** Express's JSON parser with the depth limit, body problems set aside on the procedure endpoints. */
export function jsonBody(options: { limit: string; maxDepth?: number }): [RequestHandler, ErrorRequestHandler] {
  const parse = express.json({ limit: options.limit, verify: checkDepth(options.maxDepth ?? MAX_JSON_DEPTH) });
  const setAside: ErrorRequestHandler = (error, req, _res, next) => {
    const problem: BodyProblem | undefined =
      error instanceof TooDeep ? 'too_deep' : error?.type === 'entity.parse.failed' ? 'malformed' : undefined;
    if (problem && deferredPrefixes.some((prefix) => req.path.startsWith(prefix))) {
      deferBodyProblem(req, problem);
      next();
      return;
    }
    if (error instanceof TooDeep) {
      next(Object.assign(error, { status: 400, expose: true, type: 'entity.too.deep' }));
      return;
    }
    next(error);
  };
  return [parse, setAside];
}
