// Jobs page (fr), administrators only: every job with its last runs; "run now" is audited.
import type { Actions, PageServerLoad } from './$types';
import { loadJobsPage, runJobAction } from '$lib/server/operations';

export const load: PageServerLoad = ({ url, locals }) => loadJobsPage('fr', url, locals);
export const actions: Actions = { run: runJobAction };
