// Organizations list (fr): the shared load in $lib/server/pages.ts, in fr.
import type { PageServerLoad } from './$types';
import { organizationsPage } from '$lib/server/pages.ts';

export const load: PageServerLoad = (event) => organizationsPage(event, 'fr');
