// Organization page (en): the shared load in $lib/server/pages.ts, in en.
import type { PageServerLoad } from './$types';
import { organizationPage } from '$lib/server/pages.ts';

export const load: PageServerLoad = (event) => organizationPage(event, 'en', event.params.org);
