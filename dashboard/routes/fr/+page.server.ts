// Scorecard (fr): the shared load in $lib/server/pages.ts, in fr.
import type { PageServerLoad } from './$types';
import { scorecardPage } from '$lib/server/pages.ts';

export const load: PageServerLoad = (event) => scorecardPage(event, 'fr');
