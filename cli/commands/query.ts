// `jalon query "<sql>" --role R [--org X] [--with-children] [--json]`: one analyst query through exactly the
// sandbox of POST /api/v1/query (access/sql-sandbox.ts), audited the same way, as the role given.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { openWarehouse } from '../../warehouse/open-warehouse.ts';
import { ROLES, AccessError, type Role } from '../../access/caller.ts';
import { buildCaller } from '../../access/org-scope.ts';
import { runSandboxedQuery, SandboxError, type SandboxResult } from '../../access/sql-sandbox.ts';
import { UsageError, type Command } from '../command.ts';

function cell(v: unknown): string {
  if (v === null || v === undefined) return '∅';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** A plain text table for a terminal: columns aligned, long cells cut. */
export function formatTable(result: SandboxResult): string {
  const cols = result.columns;
  if (cols.length === 0) return '(aucune ligne / no rows)\n';
  const body = result.rows.map((r) => cols.map((c) => cell(r[c]).replace(/\s+/gu, ' ').slice(0, 60)));
  const widths = cols.map((c, i) => Math.max(c.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((x, i) => x.padEnd(widths[i])).join('  ').trimEnd();
  return [line(cols), widths.map((w) => '─'.repeat(w)).join('  '), ...body.map(line)].join('\n') + '\n';
}

export const queryCommand: Command = {
  name: 'query',
  async run(args, config) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        role: { type: 'string' },
        org: { type: 'string', multiple: true },
        'with-children': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false }
      }
    });
    if (positionals.length !== 1) throw new UsageError('jalon query "<sql>" --role R [--org X] : une requête entre guillemets / one quoted query');
    const role = values.role as Role | undefined;
    if (!role || !(ROLES as readonly string[]).includes(role)) throw new UsageError(`--role : ${ROLES.join(', ')}`);
    const wh = await openWarehouse(config.warehouse, { holder: 'jalon query', createDatabase: false });
    try {
      const caller = await buildCaller(wh, {
        id: `cli:${os.userInfo().username}`,
        role,
        orgs: (values.org ?? []).flatMap((o) => o.split(',')).map((o) => o.trim()).filter(Boolean),
        withDescendants: values['with-children']
      });
      const result = await runSandboxedQuery(wh, caller, positionals[0], { via: 'cli', limits: config.sql });
      if (values.json) process.stdout.write(JSON.stringify(result) + '\n');
      else {
        process.stdout.write(formatTable(result));
        const fmt = new Intl.NumberFormat('fr-CA');
        process.stderr.write(
          `${fmt.format(result.rowCount)} ligne(s) / row(s), ${result.durationMs} ms${result.truncated ? ` — tronqué à ${fmt.format(result.limits.maxRows)} lignes / truncated at ${result.limits.maxRows} rows` : ''}\n`
        );
        if (result.scopeNotice) process.stderr.write(`${result.scopeNotice.fr} / ${result.scopeNotice.en}\n`);
      }
      return 0;
    } catch (err) {
      if (err instanceof SandboxError || err instanceof AccessError) {
        const code = err.code;
        if (values.json) process.stdout.write(JSON.stringify({ error: { code, message: err.message } }) + '\n');
        else process.stderr.write(`${err.message}\n`);
        return 1;
      }
      throw err;
    } finally {
      await wh.close();
    }
  }
};
