// Service page (en): the shared load in $lib/server/pages.ts, in en, and the annotation forms (create, edit, delete).
import type { Actions, PageServerLoad } from './$types';
import { annotationActions, servicePage } from '$lib/server/pages.ts';

export const load: PageServerLoad = (event) => servicePage(event, 'en', event.params.service);
export const actions: Actions = annotationActions();
