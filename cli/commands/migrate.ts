// `jalon migrate`: applies sql/schema migrations to the configured warehouse.
import { parseArgs } from 'node:util';
import type { Command } from '../command.ts';
import { openWarehouse } from '../../warehouse/open-warehouse.ts';
import { migrate } from '../../warehouse/migrate.ts';

export const migrateCommand: Command = {
  name: 'migrate',
  async run(args, config) {
    const { values } = parseArgs({ args, options: { json: { type: 'boolean', default: false } } });
    const json = values.json;
    const wh = await openWarehouse(config.warehouse, { holder: 'jalon migrate', createDatabase: true });
    try {
      const result = await migrate(wh, { onApply: (id) => (!json ? process.stderr.write(`migration ${id} appliquée / applied\n`) : undefined) });
      if (json) process.stdout.write(JSON.stringify({ warehouse: wh.location, database: wh.database, ...result }) + '\n');
      else process.stderr.write(`Schéma à jour / schema up to date (${result.applied.length} appliquées / applied, ${result.alreadyApplied.length} déjà / already) — ${wh.location}\n`);
    } finally {
      await wh.close();
    }
    return 0;
  }
};
