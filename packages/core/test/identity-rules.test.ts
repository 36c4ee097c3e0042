import { API_KEY_PATTERN } from '@statuspage/contracts';
import { describe, expect, it } from 'vitest';
import {
  absoluteEnd,
  after,
  apiKeyAuthority,
  apiKeyDisplayPrefix,
  earliest,
  familyEnd,
  formatApiKey,
  identitySettings,
  isApiKeyFormat,
  isOwnAccount,
  keyExpiryAcceptable,
  lastUseDue,
  lowerRole,
  managesAllKeys,
  mayCreateKeys,
  newFamilyEnd,
  newKeyExpiry,
  normalizeEmail,
  pairExpiries,
  refreshDecision,
  resetCooldownStart,
  resetTokenExpiry,
  roleWithin,
  sessionExpiry,
} from '../src/identity/rules';
import { randomAlphanumeric } from '../src/shared/crypto';

const now = new Date('2026-06-01T12:00:00.000Z');
const at = (seconds: number) => after(now, seconds);
const settings = identitySettings({
  accessTtlSeconds: 900,
  refreshTtlSeconds: 30 * 86_400,
  resetTtlSeconds: 3600,
  resetCooldownSeconds: 300,
});

describe('identity rules', () => {
  describe('settings', () => {
    it('identitySettings fills the defaults: 24 h sessions, 90-day families, 30 s grace', () => {
      expect(settings).toMatchObject({
        sessionMaxAgeSeconds: 86_400,
        familyMaxAgeSeconds: 7_776_000,
        refreshGraceSeconds: 30,
      });
    });

    it('identitySettings keeps the values it is given', () => {
      const given = identitySettings({
        ...settings,
        sessionMaxAgeSeconds: 60,
        familyMaxAgeSeconds: 120,
        refreshGraceSeconds: 0,
      });
      expect(given).toMatchObject({ sessionMaxAgeSeconds: 60, familyMaxAgeSeconds: 120, refreshGraceSeconds: 0 });
    });
  });

  describe('addresses and accounts', () => {
    it('normalizeEmail matches addresses in any case', () => {
      expect(normalizeEmail('Ada.Lovelace@Example.COM')).toBe('ada.lovelace@example.com');
    });

    it('isOwnAccount is true only for the actor itself', () => {
      expect(isOwnAccount('a', 'a')).toBe(true);
      expect(isOwnAccount('a', 'b')).toBe(false);
    });
  });

  describe('moments', () => {
    it('earliest picks the earlier moment, after moves both ways', () => {
      expect(earliest(at(1), at(2))).toEqual(at(1));
      expect(earliest(at(2), at(1))).toEqual(at(1));
      expect(after(now, -60).toISOString()).toBe('2026-06-01T11:59:00.000Z');
    });

    it('newFamilyEnd is the family maximum age after the login', () => {
      expect(newFamilyEnd(now, settings)).toEqual(at(90 * 86_400));
    });

    it('familyEnd uses the stored end, else created_at + the maximum age', () => {
      expect(familyEnd({ familyExpiresAt: at(10), createdAt: now }, 100)).toEqual(at(10));
      expect(familyEnd({ familyExpiresAt: null, createdAt: now }, 100)).toEqual(at(100));
    });

    it('absoluteEnd uses the stored end, else created_at + the maximum age', () => {
      expect(absoluteEnd({ absoluteExpiresAt: at(10), createdAt: now }, 100)).toEqual(at(10));
      expect(absoluteEnd({ absoluteExpiresAt: null, createdAt: now }, 100)).toEqual(at(100));
    });

    it('sessionExpiry is the sliding expiry or the absolute end, whichever comes first', () => {
      expect(sessionExpiry({ expiresAt: at(50), absoluteExpiresAt: at(10), createdAt: now }, 100)).toEqual(at(10));
      expect(sessionExpiry({ expiresAt: at(5), absoluteExpiresAt: at(10), createdAt: now }, 100)).toEqual(at(5));
      expect(sessionExpiry({ expiresAt: at(500), absoluteExpiresAt: null, createdAt: now }, 100)).toEqual(at(100));
    });
  });

  describe('pairExpiries', () => {
    it('gives the access and refresh lifetimes when the family is young', () => {
      expect(pairExpiries(now, at(90 * 86_400), settings)).toEqual({
        sessionExpiresAt: at(900),
        sessionEnd: at(86_400),
        refreshExpiresAt: at(30 * 86_400),
      });
    });

    it('never lets a token outlive its family', () => {
      expect(pairExpiries(now, at(600), settings)).toEqual({
        sessionExpiresAt: at(600),
        sessionEnd: at(600),
        refreshExpiresAt: at(600),
      });
    });

    it('stops the access token at its own absolute end', () => {
      const short = { ...settings, sessionMaxAgeSeconds: 300 };
      expect(pairExpiries(now, at(86_400), short)).toMatchObject({ sessionExpiresAt: at(300), sessionEnd: at(300) });
    });
  });

  describe('refreshDecision', () => {
    type Token = { expiresAt: Date; revokedAt: Date | null; rotatedAt: Date | null };
    const fresh: Token = { expiresAt: at(3600), revokedAt: null, rotatedAt: null };
    const active = { isActive: true };
    const decide = (token: Partial<Token>, owner = active, end = at(86_400)) =>
      refreshDecision({ ...fresh, ...token }, end, owner, now, 30);

    it('rotates a valid token of an active user', () => {
      expect(decide({})).toBe('rotate');
    });

    it('is invalid without an owner', () => {
      expect(refreshDecision(fresh, at(86_400), undefined, now, 30)).toBe('invalid');
    });

    it('is invalid when the token, its family or its revocation says so', () => {
      expect(decide({ expiresAt: now })).toBe('invalid');
      expect(decide({}, active, now)).toBe('invalid');
      expect(decide({ revokedAt: at(-1) })).toBe('invalid');
    });

    it('tells a deactivated owner of a still valid token why (disabled), even a revoked one', () => {
      expect(decide({}, { isActive: false })).toBe('disabled');
      expect(decide({ revokedAt: at(-1) }, { isActive: false })).toBe('disabled');
    });

    it('a deactivated owner of an expired token is only invalid', () => {
      expect(decide({ expiresAt: at(-1) }, { isActive: false })).toBe('invalid');
    });

    it('rotates again within the grace window (concurrent refreshes)', () => {
      expect(decide({ rotatedAt: at(-29) })).toBe('concurrent');
    });

    it('treats a token spent longer ago than the grace window as reused', () => {
      expect(decide({ rotatedAt: at(-30) })).toBe('reused');
      expect(decide({ rotatedAt: at(-3600) })).toBe('reused');
    });
  });

  describe('password reset windows', () => {
    it('resetCooldownStart is the cooldown before now', () => {
      expect(resetCooldownStart(now, settings)).toEqual(at(-300));
    });

    it('resetTokenExpiry is the reset lifetime after now', () => {
      expect(resetTokenExpiry(now, settings)).toEqual(at(3600));
    });
  });

  describe('api keys', () => {
    const idPart = 'Ab3dE5gH';
    const secret = 'abcdefghijklmnopqrstuvwxyz012345';
    const key = formatApiKey(idPart, secret);

    it('formatApiKey writes sp_live_<id part>_<secret>; the display prefix is its public start', () => {
      expect(key).toBe(`sp_live_${idPart}_${secret}`);
      expect(apiKeyDisplayPrefix(key)).toBe(`sp_live_${idPart}`);
    });

    it('isApiKeyFormat accepts exactly the documented form; access tokens are not keys', () => {
      expect(isApiKeyFormat(key)).toBe(true);
      expect(isApiKeyFormat(formatApiKey(randomAlphanumeric(8), randomAlphanumeric(32)))).toBe(true);
      for (const token of [
        `${key}x`,
        key.slice(0, -1),
        ` ${key}`,
        key.replace('sp_live_', 'sp_test_'),
        formatApiKey('Ab3dE5g-', secret),
        formatApiKey(idPart, `${secret.slice(0, -1)}_`),
        'GgX1o0y3sQ2mB7mZ0xJ9d5g3H2k1L0p9O8i7U6y5T4r',
        '',
      ]) {
        expect(isApiKeyFormat(token), token).toBe(false);
      }
    });

    it('API_KEY_PATTERN finds a key inside text (what secret scanners run) and nothing shorter', () => {
      expect(`export TOKEN="${key}"`.match(API_KEY_PATTERN)?.[0]).toBe(key);
      expect(API_KEY_PATTERN.test(`sp_live_${idPart}_${secret.slice(1)}`)).toBe(false);
    });

    it('randomAlphanumeric draws letters and digits only, of the asked length', () => {
      const drawn = randomAlphanumeric(2000);
      expect(drawn).toMatch(/^[0-9A-Za-z]{2000}$/);
      // All 62 symbols turn up in 2,000 draws (a modulo or alphabet slip would lose some).
      expect(new Set(drawn).size).toBe(62);
    });

    it('roles: roleWithin and lowerRole order user < operator < admin', () => {
      expect(roleWithin('user', 'operator')).toBe(true);
      expect(roleWithin('operator', 'operator')).toBe(true);
      expect(roleWithin('admin', 'operator')).toBe(false);
      expect(roleWithin('operator', 'user')).toBe(false);
      expect(lowerRole('admin', 'operator')).toBe('operator');
      expect(lowerRole('user', 'admin')).toBe('user');
      expect(lowerRole('operator', 'operator')).toBe('operator');
    });

    it('operators and admins create keys; admins manage every key', () => {
      expect([mayCreateKeys('user'), mayCreateKeys('operator'), mayCreateKeys('admin')]).toEqual([false, true, true]);
      expect([managesAllKeys('user'), managesAllKeys('operator'), managesAllKeys('admin')]).toEqual([
        false,
        false,
        true,
      ]);
    });

    it('keyExpiryAcceptable: none, or strictly after now', () => {
      expect(keyExpiryAcceptable(null, now)).toBe(true);
      expect(keyExpiryAcceptable(at(1), now)).toBe(true);
      expect(keyExpiryAcceptable(now, now)).toBe(false);
      expect(keyExpiryAcceptable(at(-1), now)).toBe(false);
    });

    it('newKeyExpiry: as asked when a person creates it; never after the creating key', () => {
      expect(newKeyExpiry(null, undefined)).toBeNull();
      expect(newKeyExpiry(at(60), undefined)).toEqual(at(60));
      expect(newKeyExpiry(at(60), null)).toEqual(at(60));
      expect(newKeyExpiry(null, null)).toBeNull();
      expect(newKeyExpiry(null, at(3600))).toEqual(at(3600));
      expect(newKeyExpiry(at(7200), at(3600))).toEqual(at(3600));
      expect(newKeyExpiry(at(60), at(3600))).toEqual(at(60));
    });

    it('apiKeyAuthority: the lower of key and owner role; null when revoked, expired or the owner is inactive', () => {
      const live = { role: 'admin' as const, revokedAt: null, expiresAt: null };
      const owner = { role: 'admin' as const, isActive: true };
      expect(apiKeyAuthority(live, owner, now)).toBe('admin');
      expect(apiKeyAuthority(live, { ...owner, role: 'operator' }, now)).toBe('operator');
      expect(apiKeyAuthority({ ...live, role: 'user' }, owner, now)).toBe('user');
      expect(apiKeyAuthority({ ...live, expiresAt: at(1) }, owner, now)).toBe('admin');
      expect(apiKeyAuthority({ ...live, expiresAt: now }, owner, now)).toBeNull();
      expect(apiKeyAuthority({ ...live, expiresAt: at(-1) }, owner, now)).toBeNull();
      expect(apiKeyAuthority({ ...live, revokedAt: at(-60) }, owner, now)).toBeNull();
      expect(apiKeyAuthority(live, { ...owner, isActive: false }, now)).toBeNull();
    });

    it('lastUseDue: never used, or last written a minute ago or more', () => {
      expect(lastUseDue(null, now)).toBe(true);
      expect(lastUseDue(at(-60), now)).toBe(true);
      expect(lastUseDue(at(-59), now)).toBe(false);
      expect(lastUseDue(at(-1), now)).toBe(false);
    });
  });
});
