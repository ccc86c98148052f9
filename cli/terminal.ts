// Terminal output for long work: a progress line redrawn in place on a terminal, silent otherwise
// (and always silent with --json, whose stdout carries only the JSON summary).
export interface Progress {
  update(label: string, done: number, total: number): void;
  done(line?: string): void;
  log(line: string): void;
}

export function createProgress(enabled: boolean, stream: NodeJS.WriteStream = process.stderr): Progress {
  const live = enabled && stream.isTTY === true;
  let drawn = false;
  const fmt = new Intl.NumberFormat('fr-CA');
  return {
    update(label, done, total) {
      if (!live) return;
      const pct = total > 0 ? Math.min(100, Math.round((done / total) * 100)) : 0;
      const width = 24;
      const bar = '█'.repeat(Math.round((pct / 100) * width)).padEnd(width, '░');
      stream.write(`\r\x1b[2K${label.padEnd(12)} ${bar} ${String(pct).padStart(3)} %  ${total > 1 ? `${fmt.format(done)} / ${fmt.format(total)}` : ''}`);
      drawn = true;
    },
    done(line) {
      if (live && drawn) stream.write('\r\x1b[2K');
      drawn = false;
      if (line && enabled) stream.write(`${line}\n`);
    },
    log(line) {
      if (!enabled) return;
      if (live && drawn) stream.write('\r\x1b[2K');
      drawn = false;
      stream.write(`${line}\n`);
    }
  };
}
