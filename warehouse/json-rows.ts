// JSONEachRow text to rows, for both adapters: a large result is read in slices, and between two slices the server's
// one thread answers other requests (a kept page), instead of parsing megabytes in one go.
import { setImmediate } from 'node:timers/promises';

/** Characters read between two yields of the thread (about 2 ms of parsing). */
const YIELD_EVERY_CHARS = 256 * 1024;

export async function parseJsonEachRow<T>(text: string): Promise<T[]> {
  const rows: T[] = [];
  let start = 0;
  let sliceEnd = YIELD_EVERY_CHARS;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (end > start) rows.push(JSON.parse(text.slice(start, end)) as T);
    start = end + 1;
    if (start > sliceEnd) {
      sliceEnd = start + YIELD_EVERY_CHARS;
      await setImmediate();
    }
  }
  return rows;
}
