// Indicator page (fr): the shared load in $lib/server/pages.ts, in fr.
import type { PageServerLoad } from './$types';
import { indicatorPage } from '$lib/server/pages.ts';

export const load: PageServerLoad = (event) => indicatorPage(event, 'fr', event.params.metric);
