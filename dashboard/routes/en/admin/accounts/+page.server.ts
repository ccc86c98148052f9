// Accounts and password resets (en), administrators only.
import type { Actions, PageServerLoad } from './$types';
import { loadAccounts, resetPassword } from '$lib/server/accounts-page';

export const load: PageServerLoad = (event) => loadAccounts(event, 'en');
export const actions: Actions = { reset: (event) => resetPassword(event, 'en') };
