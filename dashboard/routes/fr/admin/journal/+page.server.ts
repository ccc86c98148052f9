// Audit log search (fr), administrators only.
import type { PageServerLoad } from './$types';
import { loadAudit } from '$lib/server/access-pages';

export const load: PageServerLoad = ({ url, locals }) => loadAudit('fr', url, locals);
