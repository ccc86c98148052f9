// Indicator page (en): the shared load in $lib/server/pages.ts, in en.
import type { PageServerLoad } from './$types';
import { indicatorPage } from '$lib/server/pages.ts';

export const load: PageServerLoad = (event) => indicatorPage(event, 'en', event.params.metric);
