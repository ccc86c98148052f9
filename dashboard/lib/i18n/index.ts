// Language of a page, its messages, localized paths (/fr/organisations ↔ /en/organizations) and every number
// and date format through Intl fr-CA / en-CA. Components receive an `I18n` and never format by hand.
import { fr, type Messages } from './messages-fr.ts';
import { en } from './messages-en.ts';

export type Lang = 'fr' | 'en';
export const LANGS: readonly Lang[] = ['fr', 'en'];
export type MessageKey = keyof Messages;

const SEGMENTS = {
  fr: { organizations: 'organisations', services: 'services', indicators: 'indicateurs', explore: 'explorer', login: 'connexion', alerts: 'alertes', jobs: 'taches', quarantine: 'quarantaine' },
  en: { organizations: 'organizations', services: 'services', indicators: 'indicators', explore: 'explore', login: 'login', alerts: 'alerts', jobs: 'jobs', quarantine: 'quarantine' }
} as const;
export type Section = keyof (typeof SEGMENTS)['fr'];

/** Picks French or English from an Accept-Language header (French when nothing matches). */
export function pickLanguage(header: string | null): Lang {
  if (!header) return 'fr';
  const ranked = header
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.find((p) => p.trim().startsWith('q='));
      return { tag: tag.toLowerCase(), q: q ? Number(q.trim().slice(2)) || 0 : 1 };
    })
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    if (tag.startsWith('fr')) return 'fr';
    if (tag.startsWith('en')) return 'en';
  }
  return 'fr';
}

export interface I18n {
  lang: Lang;
  locale: 'fr-CA' | 'en-CA';
  t(key: MessageKey, vars?: Record<string, string | number>): string;
  path(section: Section | '', id?: string, query?: string): string;
  /** The same page in the other language. */
  switchPath(pathname: string, search: string): string;
  number(v: number | null, digits?: number): string;
  percent(v: number | null, digits?: number): string;
  value(v: number | null, unit: string): string;
  /** A duration given in minutes, in the unit that reads: minutes under an hour, hours under two days, then days. */
  duration(minutes: number | null): string;
  /** A round duration (an axis graduation: 1 min, 4 h, 1 day, 30 days) in its own unit, without decimals. */
  durationTick(minutes: number): string;
  date(iso: string | null): string;
  period(label: string): string;
}

const NBSP = '\u00a0';
const numberFormats = new Map<string, Intl.NumberFormat>();
function nf(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = locale + JSON.stringify(options);
  let f = numberFormats.get(key);
  if (!f) numberFormats.set(key, (f = new Intl.NumberFormat(locale, options)));
  return f;
}
const dateFormats = new Map<string, Intl.DateTimeFormat>();
/** Formatters are made once per locale and options: making one costs more than formatting a page's dates. */
function df(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = locale + JSON.stringify(options);
  let f = dateFormats.get(key);
  if (!f) dateFormats.set(key, (f = new Intl.DateTimeFormat(locale, options)));
  return f;
}

export function i18n(lang: Lang): I18n {
  const messages: Messages = lang === 'fr' ? fr : en;
  const locale = lang === 'fr' ? 'fr-CA' : 'en-CA';
  const dash = '—';
  const self: I18n = {
    lang,
    locale,
    t(key, vars) {
      let s = messages[key];
      if (vars) for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
      return s;
    },
    path(section, id, query = '') {
      const seg = section ? `/${SEGMENTS[lang][section]}` : '';
      return `/${lang}${seg}${id ? `/${encodeURIComponent(id)}` : ''}${query}`;
    },
    switchPath(pathname, search) {
      const other: Lang = lang === 'fr' ? 'en' : 'fr';
      // The open-data page lives outside /fr and /en, at one address per language.
      if (pathname === '/donnees-ouvertes' || pathname === '/open-data') return `${other === 'fr' ? '/donnees-ouvertes' : '/open-data'}${search}`;
      const parts = pathname.split('/').filter(Boolean);
      parts[0] = other;
      if (parts[1]) {
        const section = (Object.keys(SEGMENTS[lang]) as Section[]).find((s) => SEGMENTS[lang][s] === parts[1]);
        if (section) parts[1] = SEGMENTS[other][section];
      }
      return `/${parts.join('/')}${search}`;
    },
    number(v, digits = 0) {
      return v === null || !Number.isFinite(v) ? dash : nf(locale, { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(v);
    },
    percent(v, digits = 1) {
      return v === null || !Number.isFinite(v) ? dash : nf(locale, { style: 'percent', maximumFractionDigits: digits, minimumFractionDigits: digits }).format(v);
    },
    value(v, unit) {
      if (v === null || !Number.isFinite(v)) return dash;
      switch (unit) {
        case 'ratio':
          return self.percent(v);
        case 'percent':
          return self.percent(v / 100);
        case 'minutes':
          return self.duration(v);
        case 'hours':
          return `${self.number(v, 0)} h`;
        case 'cad':
          return nf(locale, { style: 'currency', currency: 'CAD', maximumFractionDigits: 0 }).format(v);
        case 'score':
          return self.number(v, 2);
        default:
          return self.number(v, Math.abs(v) < 10 && !Number.isInteger(v) ? 1 : 0);
      }
    },
    duration(minutes) {
      if (minutes === null || !Number.isFinite(minutes)) return dash;
      const a = Math.abs(minutes);
      if (a < 60) return `${self.number(minutes, a < 10 && !Number.isInteger(minutes) ? 1 : 0)}${NBSP}min`;
      if (a < 48 * 60) return `${self.number(minutes / 60, 1)}${NBSP}h`;
      return `${self.number(minutes / 1440, 1)}${NBSP}${lang === 'fr' ? 'jours' : 'days'}`;
    },
    durationTick(minutes) {
      if (minutes < 60) return `${self.number(minutes, minutes < 1 ? 1 : 0)}${NBSP}min`;
      if (minutes < 1440) return `${self.number(minutes / 60, 0)}${NBSP}h`;
      const days = Math.round(minutes / 1440);
      return `${self.number(days, 0)}${NBSP}${lang === 'fr' ? (days === 1 ? 'jour' : 'jours') : days === 1 ? 'day' : 'days'}`;
    },
    date(iso) {
      if (!iso) return dash;
      const d = new Date(iso.length === 10 ? `${iso}T12:00:00Z` : `${iso.replace(' ', 'T')}${/Z|[+-]\d\d:?\d\d$/.test(iso) ? '' : 'Z'}`);
      if (Number.isNaN(d.getTime())) return iso;
      const text = df(locale, { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'America/Toronto' }).format(d);
      // French writes the first of the month as an ordinal: « 1er décembre 2026 ».
      return lang === 'fr' ? text.replace(/^1 /, '1er ') : text;
    },
    period(label) {
      const month = /^(\d{4})-(\d{2})$/.exec(label);
      if (month) return df(locale, { year: 'numeric', month: 'short', timeZone: 'UTC' }).format(new Date(Date.UTC(Number(month[1]), Number(month[2]) - 1, 15)));
      const quarter = /^(\d{4})-Q(\d)$/.exec(label);
      if (quarter) return lang === 'fr' ? `T${quarter[2]} ${quarter[1]}` : `Q${quarter[2]} ${quarter[1]}`;
      const week = /^(\d{4})-W(\d{2})$/.exec(label);
      if (week) return lang === 'fr' ? `sem. ${Number(week[2])} ${week[1]}` : `wk ${Number(week[2])} ${week[1]}`;
      return label;
    }
  };
  return self;
}

export function channelLabel(i: I18n, code: string): string {
  const key = `channel_${code}` as MessageKey;
  return key in fr ? i.t(key) : code;
}
