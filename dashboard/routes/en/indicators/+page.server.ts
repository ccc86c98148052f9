// Catalogue (en): the shared load in $lib/server/pages.ts, in en.
import type { PageServerLoad } from './$types';
import { cataloguePage } from '$lib/server/pages.ts';

export const load: PageServerLoad = (event) => cataloguePage(event, 'en');
