// Alerts page (fr): open and resolved alerts the caller may see; administrators also edit stored rules (audited).
import type { Actions, PageServerLoad } from './$types';
import { alertRuleAction, loadAlertsPage } from '$lib/server/operations';

export const load: PageServerLoad = ({ url, locals }) => loadAlertsPage('fr', url, locals);
export const actions: Actions = {
  save: (event) => alertRuleAction(event, 'save'),
  delete: (event) => alertRuleAction(event, 'delete')
};
