// Québec statutory holidays (Loi sur les normes du travail, art. 60 and Loi sur la fête nationale), used to count
// working days for service standards. Pure: a year in, dates out. Easter Monday is added because the public
// administration closes on both Good Friday and Easter Monday; working days are counted on its calendar.
import { addDays, isoDay } from './periods.ts';

/** Easter Sunday (Gregorian, anonymous algorithm). */
function easter(year: number): Date {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return new Date(Date.UTC(year, month - 1, day));
}

/** The n-th given weekday (0 = Sunday) of a month. */
function nthWeekday(year: number, month: number, weekday: number, n: number): Date {
  const first = new Date(Date.UTC(year, month - 1, 1));
  return addDays(first, ((weekday - first.getUTCDay() + 7) % 7) + (n - 1) * 7);
}

/** Journée nationale des patriotes: the Monday before May 25. */
function patriotes(year: number): Date {
  const may25 = new Date(Date.UTC(year, 4, 25));
  return addDays(may25, -(((may25.getUTCDay() + 6) % 7) || 7));
}

/** June 24 and July 1 move to the next day when they fall on a Sunday. */
const sundayToMonday = (d: Date): Date => (d.getUTCDay() === 0 ? addDays(d, 1) : d);

export function quebecHolidays(year: number): string[] {
  const e = easter(year);
  return [
    new Date(Date.UTC(year, 0, 1)),
    addDays(e, -2),
    addDays(e, 1),
    patriotes(year),
    sundayToMonday(new Date(Date.UTC(year, 5, 24))),
    sundayToMonday(new Date(Date.UTC(year, 6, 1))),
    nthWeekday(year, 9, 1, 1),
    nthWeekday(year, 10, 1, 2),
    new Date(Date.UTC(year, 11, 25))
  ].map(isoDay);
}

/** Holidays of every year from `fromYear` to `toYear`, inclusive, sorted. */
export function quebecHolidaysBetween(fromYear: number, toYear: number): string[] {
  const out: string[] = [];
  for (let y = fromYear; y <= toYear; y++) out.push(...quebecHolidays(y));
  return out.sort();
}
