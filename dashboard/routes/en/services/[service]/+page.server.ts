// Service page (en): the shared load in $lib/server/pages.ts, in en.
import type { PageServerLoad } from './$types';
import { servicePage } from '$lib/server/pages.ts';

export const load: PageServerLoad = (event) => servicePage(event, 'en', event.params.service);
