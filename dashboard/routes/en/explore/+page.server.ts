// Explore page (en): ad-hoc SQL over the curated views, for roles that may run SQL.
import type { PageServerLoad } from './$types';
import { loadExplore } from '$lib/server/access-pages';

export const load: PageServerLoad = ({ url, locals }) => loadExplore('en', url, locals);
