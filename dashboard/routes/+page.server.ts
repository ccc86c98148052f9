// `/` sends the visitor to the French or English scorecard from the browser's Accept-Language, keeping filters.
import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { pickLanguage } from '$lib/i18n/index.ts';

export const load: PageServerLoad = ({ request, url }) => {
  redirect(303, `/${pickLanguage(request.headers.get('accept-language'))}${url.search}`);
};
