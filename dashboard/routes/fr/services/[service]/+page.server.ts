// Service page (fr): the shared load in $lib/server/pages.ts, in fr, and the annotation forms (create, edit, delete).
import type { Actions, PageServerLoad } from './$types';
import { annotationActions, servicePage } from '$lib/server/pages.ts';

export const load: PageServerLoad = (event) => servicePage(event, 'fr', event.params.service);
export const actions: Actions = annotationActions();
