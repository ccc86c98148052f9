// Sign-in page (en): local account form and, when configured, OpenID Connect.
import type { PageServerLoad } from './$types';
import { loadLogin } from '$lib/server/access-pages';

export const load: PageServerLoad = ({ url, locals }) => loadLogin('en', url, locals);
