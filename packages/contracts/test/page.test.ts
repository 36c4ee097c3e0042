import { describe, expect, it } from 'vitest';
import { canonicalTimeZone, TimeZone, UpdatePageSettingsInput } from '../src/page';

describe('page settings schemas', () => {
  it('accepts IANA time zones in their canonical spelling, and nothing else', () => {
    expect(TimeZone.parse('Europe/Berlin')).toBe('Europe/Berlin');
    expect(TimeZone.parse('utc')).toBe('UTC');
    expect(TimeZone.parse('europe/berlin')).toBe('Europe/Berlin');
    expect(canonicalTimeZone('Mars/Olympus')).toBeUndefined();
    expect(TimeZone.safeParse('Mars/Olympus').success).toBe(false);
    expect(TimeZone.safeParse('').success).toBe(false);
  });

  it('takes only absolute http(s) URLs for the links and images', () => {
    for (const url of ['https://acme.example/logo.svg', 'http://localhost:8080/logo.png', 'https://10.0.0.1/x'])
      expect(UpdatePageSettingsInput.safeParse({ name: 'x', logo_url: url }).success, url).toBe(true);
    for (const url of ['javascript:alert(1)', 'data:image/png;base64,AAAA', 'ftp://acme.example/', '/logo.svg'])
      expect(UpdatePageSettingsInput.safeParse({ name: 'x', logo_url: url }).success, url).toBe(false);
  });
});
