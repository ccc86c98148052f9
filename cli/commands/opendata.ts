// `jalon opendata publish [--out DIR] [--at YYYY-MM-DD] [--json]`: writes today's open-data snapshot (opendata/publish.ts)
// through a metrics service of its own; opens the warehouse itself (fails clearly if a server holds it).
import { parseArgs } from 'node:util';
import path from 'node:path';
import { openWarehouse } from '../../warehouse/open-warehouse.ts';
import { migrate } from '../../warehouse/migrate.ts';
import { createMetricsService } from '../../metrics/service.ts';
import { isDay } from '../../metrics/periods.ts';
import { publishOpenData } from '../../opendata/publish.ts';
import { UsageError, type Command } from '../command.ts';

export const opendataCommand: Command = {
  name: 'opendata',
  async run(args, config) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { out: { type: 'string' }, at: { type: 'string' }, json: { type: 'boolean', default: false } }
    });
    if (positionals[0] !== 'publish' || positionals.length > 1) throw new UsageError('usage: jalon opendata publish [--out DIR] [--at AAAA-MM-JJ] [--json]');
    if (values.at !== undefined && !isDay(values.at)) throw new UsageError(`--at "${values.at}": date AAAA-MM-JJ / date YYYY-MM-DD`);
    if (values.out !== undefined && values.out.trim() === '') throw new UsageError('--out: dossier attendu / folder expected');
    // --at: publish as of that day (noon in Toronto), e.g. to rebuild a missed day; the default is now.
    const now = values.at ? new Date(`${values.at}T17:00:00Z`) : new Date();
    const wh = await openWarehouse(config.warehouse, { holder: 'jalon opendata publish', createDatabase: true });
    try {
      await migrate(wh);
      const metrics = createMetricsService(wh, config);
      const log = values.json ? undefined : (line: string) => process.stderr.write(`${line}\n`);
      const summary = await publishOpenData({ metrics, config: config.openData, publicUrl: config.http.publicUrl, dir: values.out ? path.resolve(values.out) : undefined, now, log });
      if (values.json) {
        process.stdout.write(JSON.stringify({ snapshot: summary.snapshot, datasets: summary.datasets, files: summary.files, dir: summary.dir, revisions: summary.revisions, skipped: summary.skipped }) + '\n');
      } else {
        process.stdout.write(`${summary.dir}\n`);
      }
      return 0;
    } finally {
      await wh.close();
    }
  }
};
