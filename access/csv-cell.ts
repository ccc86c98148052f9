// The one rule every CSV export applies to text cells (chart tables, sandbox results): a cell a spreadsheet would
// run as a formula — starting with = + - @, a tab or a carriage return — gets a leading apostrophe, so it is shown
// as text. Numbers written as numbers stay as they are. Pure: also runs in the browser (chart downloads).

const FORMULA_START = /^[=+\-@\t\r]/u;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?(e[-+]?\d+)?$/iu;

export function neutralizeFormula(text: string): string {
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}
