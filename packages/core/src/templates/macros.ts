/**
 * The macro engine of event templates: Go-template-style actions such as
 * `{{.ServiceName}}` or `{{ .StartedAt }}` in plain text (SPEC.md §3,
 * Templates). Only the macros of `templateMacros` exist; any other action —
 * an unknown macro, a pipeline, `if`/`range`, trim markers — is refused, so a
 * stored template always renders.
 */
import { type TemplateMacro, templateMacros } from '@statuspage/contracts';

/** Where a problem is: 0-based offset, 1-based line and column (in characters). */
export interface TemplatePosition {
  offset: number;
  line: number;
  column: number;
}

/** A template that does not parse: what is wrong and where. */
export class TemplateSyntaxError extends Error {
  override readonly name = 'TemplateSyntaxError';
  constructor(
    readonly problem: string,
    readonly position: TemplatePosition,
  ) {
    super(`${problem} at line ${position.line}, column ${position.column}`);
  }
}

export type TemplatePart = { kind: 'text'; text: string } | { kind: 'macro'; macro: TemplateMacro };

/** The values a template is rendered with; a missing value renders as an empty string. */
export interface TemplateValues {
  ServiceName?: string | undefined;
  ServiceGroupName?: string | undefined;
  StartedAt?: Date | undefined;
  ResolvedAt?: Date | undefined;
  ScheduledStart?: Date | undefined;
  ScheduledEnd?: Date | undefined;
}

const macroNames: ReadonlySet<string> = new Set(templateMacros);
const macroList = templateMacros.map((name) => `{{.${name}}}`).join(', ');
// Go allows space, tab, CR and LF around the field inside an action.
const ACTION = /^[ \t\r\n]*\.([A-Za-z_][A-Za-z0-9_]*)[ \t\r\n]*$/;

function isMacro(name: string): name is TemplateMacro {
  return macroNames.has(name);
}

function positionOf(source: string, offset: number): TemplatePosition {
  const before = source.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  let line = 1;
  for (let index = before.indexOf('\n'); index !== -1; index = before.indexOf('\n', index + 1)) line++;
  // Columns count characters (code points), not UTF-16 units.
  return { offset, line, column: Array.from(before.slice(lineStart)).length + 1 };
}

/** An action's text as quoted in messages, shortened when long. */
function quoteAction(inner: string) {
  const shown = inner.length > 40 ? `${inner.slice(0, 40)}…` : inner;
  return `"{{${shown}}}"`;
}

/**
 * Parses a template into text and macro parts. Throws a TemplateSyntaxError
 * for an unknown macro, an action that is not a macro, an unclosed `{{` or a
 * `}}` without its `{{`.
 */
export function parseTemplate(source: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  const syntaxError = (problem: string, offset: number) => new TemplateSyntaxError(problem, positionOf(source, offset));
  let cursor = 0;
  while (cursor < source.length) {
    const open = source.indexOf('{{', cursor);
    const textEnd = open === -1 ? source.length : open;
    const text = source.slice(cursor, textEnd);
    const stray = text.indexOf('}}');
    if (stray !== -1) throw syntaxError('"}}" without an opening "{{"', cursor + stray);
    if (text) parts.push({ kind: 'text', text });
    if (open === -1) break;

    const close = source.indexOf('}}', open + 2);
    // `{{ a {{.X}}`: the first `{{` is the one left open.
    if (close === -1 || source.slice(open + 2, close).includes('{{')) throw syntaxError('unclosed "{{"', open);
    const inner = source.slice(open + 2, close);
    const name = ACTION.exec(inner)?.[1];
    if (name === undefined) {
      throw syntaxError(
        inner.trim() === ''
          ? `empty action "{{${inner}}}" (expected one of ${macroList})`
          : `${quoteAction(inner)} is not a macro (expected one of ${macroList})`,
        open,
      );
    }
    if (!isMacro(name)) throw syntaxError(`unknown macro "{{.${name}}}" (expected one of ${macroList})`, open);
    parts.push({ kind: 'macro', macro: name });
    cursor = close + 2;
  }
  return parts;
}

/** The problem with a template, or null when it parses. */
export function checkTemplate(source: string): TemplateSyntaxError | null {
  try {
    parseTemplate(source);
    return null;
  } catch (error) {
    if (error instanceof TemplateSyntaxError) return error;
    throw error;
  }
}

/** A timestamp as templates show it: `2026-11-27 15:04 UTC` (minutes, always UTC). */
export function formatTimestamp(value: Date): string {
  if (Number.isNaN(value.getTime())) throw new RangeError('invalid date');
  // toISOString is always UTC: "2026-11-27T15:04:05.000Z".
  const iso = value.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

function macroValue(macro: TemplateMacro, values: TemplateValues): string {
  const value = values[macro];
  if (value === undefined) return '';
  return value instanceof Date ? formatTimestamp(value) : value;
}

/**
 * Renders a template (its source or its parsed parts) with the given values.
 * Values are inserted as they are (no escaping: the output is plain text).
 */
export function renderTemplate(template: string | readonly TemplatePart[], values: TemplateValues): string {
  const parts = typeof template === 'string' ? parseTemplate(template) : template;
  return parts.map((part) => (part.kind === 'text' ? part.text : macroValue(part.macro, values))).join('');
}
