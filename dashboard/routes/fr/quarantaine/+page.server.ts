// Quarantine page (fr): an organization's rejected rows for its service owner, every organization's for administrators.
import type { PageServerLoad } from './$types';
import { loadQuarantinePage } from '$lib/server/operations';

export const load: PageServerLoad = ({ url, locals }) => loadQuarantinePage('fr', url, locals);
