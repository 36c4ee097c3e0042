import { describe, expect, it } from 'vitest';
import { ListServicesInput, QueryBoolean, queryInt, Slug } from '../src';

describe('contracts query parsing', () => {
  it('reads "false" as false and "true" as true', () => {
    expect(QueryBoolean.parse('false')).toBe(false);
    expect(QueryBoolean.parse('true')).toBe(true);
    expect(QueryBoolean.parse(false)).toBe(false);
  });

  it('refuses other strings as booleans', () => {
    expect(QueryBoolean.safeParse('yes').success).toBe(false);
    expect(QueryBoolean.safeParse('').success).toBe(false);
  });

  it('reads integers from strings within bounds', () => {
    const limit = queryInt({ min: 1, max: 100 });
    expect(limit.parse('20')).toBe(20);
    expect(limit.parse(5)).toBe(5);
    expect(limit.safeParse('0').success).toBe(false);
    expect(limit.safeParse('101').success).toBe(false);
    expect(limit.safeParse('1.5').success).toBe(false);
    expect(limit.safeParse('abc').success).toBe(false);
  });

  it('defaults include_archived to false and ignores unknown query parameters', () => {
    expect(ListServicesInput.parse({})).toEqual({ include_archived: false });
    expect(ListServicesInput.parse({ _: '1700000000' })).toEqual({ include_archived: false });
  });
});

describe('contracts slugs', () => {
  it.each(['api', 'api-v2', 'a1-b2-c3'])('accepts %s', (slug) => {
    expect(Slug.safeParse(slug).success).toBe(true);
  });
  it.each(['', 'API', 'a--b', '-a', 'a-', 'a b', 'a_b'])('refuses "%s"', (slug) => {
    expect(Slug.safeParse(slug).success).toBe(false);
  });
});
