// Service page (fr): the shared load in $lib/server/pages.ts, in fr.
import type { PageServerLoad } from './$types';
import { servicePage } from '$lib/server/pages.ts';

export const load: PageServerLoad = (event) => servicePage(event, 'fr', event.params.service);
