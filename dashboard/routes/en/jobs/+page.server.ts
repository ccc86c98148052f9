// Jobs page (en), administrators only: every job with its last runs; "run now" is audited.
import type { Actions, PageServerLoad } from './$types';
import { loadJobsPage, runJobAction } from '$lib/server/operations';

export const load: PageServerLoad = ({ url, locals }) => loadJobsPage('en', url, locals);
export const actions: Actions = { run: runJobAction };
