// Organization page (en): the shared load in $lib/server/pages.ts, in en.
import type { PageServerLoad } from './$types';
import { organizationPage } from '$lib/server/pages.ts';
import { openAlertsFor } from '$lib/server/operations';

export const load: PageServerLoad = async (event) => ({ ...(await organizationPage(event, 'en', event.params.org)), openAlerts: await openAlertsFor(event.locals.caller, event.params.org) });
