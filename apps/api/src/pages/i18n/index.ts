import Negotiator from 'negotiator';
import { en, type Messages } from './en';
import { ru } from './ru';

export type { Messages } from './en';

/** The languages of the public pages: adding one is adding its catalogue here. */
export const catalogues = { en, ru } satisfies Record<string, Messages>;
export type Language = keyof typeof catalogues;
export const languages = Object.keys(catalogues) as Language[];

export const isLanguage = (value: unknown): value is Language =>
  typeof value === 'string' && Object.hasOwn(catalogues, value);

/** The language an Accept-Language header asks for among ours, or undefined when it names none of them. */
export function languageOfHeader(header: string | undefined): Language | undefined {
  if (!header) return undefined;
  const [best] = new Negotiator({ headers: { 'accept-language': header } }).languages([...languages]);
  // A bare `*` names no language in particular: the page's own language applies.
  return isLanguage(best) && header.trim() !== '*' ? best : undefined;
}

/** `?lang=` first, then Accept-Language, then the page's default language. */
export function chooseLanguage(query: unknown, header: string | undefined, fallback: Language): Language {
  if (isLanguage(query)) return query;
  return languageOfHeader(header) ?? fallback;
}

/** A time zone Intl knows, else UTC (the setting is validated on write; this keeps a page up if Intl changes). */
export function knownTimeZone(zone: string) {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    return 'UTC';
  }
}

/** Formatters of one language in one time zone (dates, months, percentages, durations). */
export interface Formats {
  /** A moment: date and time with the zone's short name. */
  dateTime(iso: string): string;
  /** A calendar day given as YYYY-MM-DD (already in the page's zone). */
  day(date: string): string;
  /** A range of calendar days (YYYY-MM-DD, first and last). */
  dayRange(from: string, to: string): string;
  /** A calendar month given as YYYY-MM. */
  month(month: string): string;
  /** The month a moment falls in, in the page's zone, as YYYY-MM. */
  monthOf(iso: string): string;
  /** An uptime percentage, never rounded up to 100 %. */
  percent(value: number): string;
  /** A length of time in days, hours and minutes. */
  duration(milliseconds: number): string;
}

const formatsCache = new Map<string, Formats>();

/** The formatters of a language and time zone, built once per pair. */
export function formatsFor(language: Language, timeZone: string): Formats {
  const key = `${language} ${timeZone}`;
  let formats = formatsCache.get(key);
  if (!formats) {
    formats = buildFormats(catalogues[language], timeZone);
    formatsCache.set(key, formats);
  }
  return formats;
}

/** Remembers the strings of a formatter: a page formats the same days and figures for every service. */
function remembered<A extends unknown[]>(format: (...args: A) => string): (...args: A) => string {
  const memory = new Map<string, string>();
  return (...args) => {
    const key = args.join(' ');
    let value = memory.get(key);
    if (value === undefined) {
      if (memory.size > 20_000) memory.clear();
      value = format(...args);
      memory.set(key, value);
    }
    return value;
  };
}

function buildFormats(messages: Messages, timeZone: string): Formats {
  const { locale } = messages;
  const dateTime = new Intl.DateTimeFormat(locale, {
    timeZone,
    dateStyle: 'medium',
    timeStyle: 'short',
    hourCycle: 'h23',
  });
  const zoneName = new Intl.DateTimeFormat('en', { timeZone, timeZoneName: 'short' });
  // Calendar days and months are civil dates: format them in UTC so no zone shifts them.
  const day = new Intl.DateTimeFormat(locale, { timeZone: 'UTC', dateStyle: 'medium' });
  const month = new Intl.DateTimeFormat(locale, { timeZone: 'UTC', year: 'numeric', month: 'long' });
  const yearMonth = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit' });
  const percent = new Intl.NumberFormat(locale, {
    style: 'percent',
    maximumFractionDigits: 2,
    roundingMode: 'trunc',
  });
  const unit = (name: 'day' | 'hour' | 'minute') =>
    new Intl.NumberFormat(locale, { style: 'unit', unit: name, unitDisplay: 'long' });
  const units = { day: unit('day'), hour: unit('hour'), minute: unit('minute') };
  const list = new Intl.ListFormat(locale, { style: 'narrow', type: 'unit' });
  return {
    dateTime: (iso) => {
      const moment = new Date(iso);
      const zone = zoneName.formatToParts(moment).find((part) => part.type === 'timeZoneName')?.value ?? timeZone;
      return `${dateTime.format(moment)} ${zone}`;
    },
    day: remembered((date: string) => day.format(new Date(`${date}T00:00:00Z`))),
    dayRange: remembered((from: string, to: string) =>
      day.formatRange(new Date(`${from}T00:00:00Z`), new Date(`${to}T00:00:00Z`)),
    ),
    month: (value) => month.format(new Date(`${value}-01T00:00:00Z`)),
    monthOf: (iso) => yearMonth.format(new Date(iso)).slice(0, 7),
    percent: remembered((value: number) => percent.format(value / 100)),
    duration: (milliseconds) => {
      const minutes = Math.floor(milliseconds / 60_000);
      if (minutes < 1) return messages.lessThanAMinute;
      const parts: string[] = [];
      const days = Math.floor(minutes / 1440);
      const hours = Math.floor((minutes % 1440) / 60);
      const rest = minutes % 60;
      if (days > 0) parts.push(units.day.format(days));
      if (hours > 0) parts.push(units.hour.format(hours));
      if (rest > 0 && days === 0) parts.push(units.minute.format(rest));
      return list.format(parts);
    },
  };
}
