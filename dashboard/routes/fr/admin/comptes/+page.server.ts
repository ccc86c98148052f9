// Accounts and password resets (fr), administrators only.
import type { Actions, PageServerLoad } from './$types';
import { loadAccounts, resetPassword } from '$lib/server/accounts-page';

export const load: PageServerLoad = (event) => loadAccounts(event, 'fr');
export const actions: Actions = { reset: (event) => resetPassword(event, 'fr') };
