// Organization page (fr): the shared load in $lib/server/pages.ts, in fr.
import type { PageServerLoad } from './$types';
import { organizationPage } from '$lib/server/pages.ts';

export const load: PageServerLoad = (event) => organizationPage(event, 'fr', event.params.org);
