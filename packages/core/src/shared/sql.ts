import { type AnyColumn, getTableName, type SQL, sql } from 'drizzle-orm';

/**
 * A column as `"table"."column"`. Drizzle leaves columns unqualified in a
 * single-table select, so inside a correlated subquery `"id"` would bind to the
 * subquery's own table instead of the outer row: subqueries must use this.
 */
export function qualified(column: AnyColumn): SQL {
  return sql`${sql.identifier(getTableName(column.table))}.${sql.identifier(column.name)}`;
}

/** postgres.js and PGlite both parse uuid[]; guard against a driver handing back the text form. */
export function normaliseArray(value: unknown): string[] {
  if (Array.isArray(value)) return value as string[];
  if (typeof value === 'string') {
    const inner = value.replace(/^\{|\}$/g, '');
    return inner ? inner.split(',') : [];
  }
  return [];
}

/** A list of constant strings as the SQL literal list `('a', 'b')` (constants only, never input). */
export function literalList(values: readonly string[]): string {
  return `(${values.map((value) => `'${value.replaceAll("'", "''")}'`).join(', ')})`;
}

/** The number of rows the query would answer without its limit and offset (`count(*) over ()`). */
export const windowTotal = sql<number>`count(*) over ()`.mapWith(Number);
