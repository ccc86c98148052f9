// Jobs page (fr), administrators only: every job with its last runs; "run now" is audited.
import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { loadJobsPage, runJobNow } from '$lib/server/operations';
import { ApiError } from '$lib/server/api';

export const load: PageServerLoad = ({ url, locals }) => loadJobsPage('fr', url, locals);
export const actions: Actions = {
  run: async ({ request, locals }) => {
    const id = String((await request.formData()).get('id') ?? '');
    try {
      return await runJobNow(locals.caller, id);
    } catch (err) {
      if (err instanceof ApiError) return fail(err.status, { id, status: 'refused', error: err.message });
      throw err;
    }
  }
};
