// Audit log search (en), administrators only.
import type { PageServerLoad } from './$types';
import { loadAudit } from '$lib/server/access-pages';

export const load: PageServerLoad = ({ url, locals }) => loadAudit('en', url, locals);
