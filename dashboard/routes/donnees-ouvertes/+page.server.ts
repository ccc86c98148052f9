// Open-data page (fr), without sign-in: the shared load in $lib/server/open-data.ts.
import type { PageServerLoad } from './$types';
import { openDataPage } from '$lib/server/open-data.ts';

export const load: PageServerLoad = (event) => openDataPage(event, 'fr');
