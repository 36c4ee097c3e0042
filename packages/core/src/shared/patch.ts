/**
 * The one rule of every PATCH use-case: a patch that changes nothing changes
 * nothing (no write, `updated_at` kept, the resource answered as it is).
 */

function same(a: unknown, b: unknown) {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return a === b;
}

/**
 * The columns of `wanted` whose values differ from the current row; columns
 * left undefined are not part of the patch. Empty when the patch changes nothing.
 */
export function changedColumns<Row extends Record<string, unknown>>(
  current: Row,
  wanted: { [Key in keyof Row]?: Row[Key] | undefined },
): Partial<Row> {
  const changed: Partial<Row> = {};
  for (const key of Object.keys(wanted) as (keyof Row)[]) {
    const value = wanted[key];
    if (value !== undefined && !same(current[key], value)) changed[key] = value as Row[keyof Row];
  }
  return changed;
}

/** Whether two id lists hold the same ids (memberships are sets). */
export function sameIds(a: readonly string[], b: readonly string[]) {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((id) => right.has(id));
}
