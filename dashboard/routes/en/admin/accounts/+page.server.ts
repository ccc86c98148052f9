// Accounts and producer tokens (en), administrators only: disable or enable an account, reset its password
// (shown once), revoke a token, at once.
import type { Actions, PageServerLoad } from './$types';
import { accountActions, loadAccounts } from '$lib/server/access-pages';
import { resetPassword } from '$lib/server/accounts-page';

export const load: PageServerLoad = ({ url, locals }) => loadAccounts('en', url, locals);
export const actions: Actions = { ...accountActions('en'), reset: (event) => resetPassword(event, 'en') };
