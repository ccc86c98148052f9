// POST /api/v1/query {sql}: one analyst query through the sandbox (access/sql-sandbox.ts), as the caller.
// Answers {columns, rows, rowCount, truncated, durationMs, views, scope}, or CSV with ?format=csv (audited as an
// export); refusals use the one error shape.
import { json, type RequestHandler } from '@sveltejs/kit';
import { getRuntime } from '$lib/server/runtime';
import { apiError, errorResponse } from '$lib/server/api';
import { requireRole } from '$lib/server/auth-http';
import { SQL_ROLES } from '../../../../../access/caller.ts';
import { runSandboxedQuery } from '../../../../../access/sql-sandbox.ts';
import { resultToCsv } from '../../../../../access/result-csv.ts';
import { auditWho, recordAudit } from '../../../../../access/audit.ts';
import { MAX_SQL_LENGTH } from '../../../../../access/sandbox-check.ts';

export const POST: RequestHandler = async ({ request, locals, url }) => {
  const body = (await request.json().catch(() => null)) as { sql?: unknown } | null;
  if (typeof body?.sql !== 'string') return errorResponse(400, 'bad_request', 'Corps attendu : {"sql": "SELECT …"} / expected body: {"sql": "SELECT …"}');
  try {
    requireRole(locals.caller, SQL_ROLES);
    const { config, warehouse } = await getRuntime();
    const csv = url.searchParams.get('format') === 'csv';
    const result = await runSandboxedQuery(warehouse, locals.caller, body.sql, { via: csv ? 'api-csv' : 'api', signal: request.signal, limits: config.sql });
    if (!csv) return json(result);
    await recordAudit(warehouse, { ...auditWho(locals.caller), action: 'export', target: 'query.csv', ok: true, rows: result.rowCount, detail: { sql: body.sql.slice(0, MAX_SQL_LENGTH) } });
    return new Response(resultToCsv(result.columns, result.rows), {
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': 'attachment; filename="jalon-requete.csv"',
        ...(result.truncated ? { 'x-jalon-truncated': 'true' } : {})
      }
    });
  } catch (err) {
    return apiError(err);
  }
};
