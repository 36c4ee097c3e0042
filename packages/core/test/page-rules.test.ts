import { describe, expect, it } from 'vitest';
import { defaultPageSettings, replacedSettings } from '../src/page/rules';

describe('page settings rules', () => {
  it('replaces every setting: what a PUT leaves out takes its default', () => {
    expect(replacedSettings({ name: 'Acme status' })).toEqual({
      name: 'Acme status',
      description: null,
      logo_url: null,
      favicon_url: null,
      site_url: null,
      support_url: null,
      time_zone: defaultPageSettings.time_zone,
      language: defaultPageSettings.language,
      footer_text: null,
    });
  });

  it('keeps what is given, trims text, and stores blank text as none', () => {
    expect(
      replacedSettings({
        name: '  Acme  ',
        description: '  Our services  ',
        footer_text: '   ',
        logo_url: 'https://acme.example/logo.svg',
        time_zone: 'Europe/Berlin',
        language: 'ru',
      }),
    ).toMatchObject({
      name: 'Acme',
      description: 'Our services',
      footer_text: null,
      logo_url: 'https://acme.example/logo.svg',
      time_zone: 'Europe/Berlin',
      language: 'ru',
    });
  });

  it('defaults to an English page in UTC that was never saved', () => {
    expect(defaultPageSettings).toMatchObject({ name: 'Status', time_zone: 'UTC', language: 'en', updated_at: null });
  });
});
