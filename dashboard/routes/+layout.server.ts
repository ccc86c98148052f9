// Who is signed in, for the app shell on every page: name, role and which restricted pages to link (decided by
// access/caller.ts, never by the page), and whether this is the open demo (a banner on every page says so).
// Nothing here is a secret: the server checks every request again.
import type { LayoutServerLoad } from './$types';
import { isAdmin, maySql, publishedOnly } from '../../access/caller.ts';
import { mayReadQuarantine } from '../../access/quarantine-view.ts';
import { getRuntime } from '$lib/server/runtime';

export const load: LayoutServerLoad = async ({ locals }) => {
  const runtime = await getRuntime().catch(() => null);
  return {
    who: {
      username: locals.username,
      role: locals.caller.role,
      mayExplore: maySql(locals.caller),
      isAdmin: isAdmin(locals.caller),
      mayAlerts: !publishedOnly(locals.caller),
      mayQuarantine: mayReadQuarantine(locals.caller)
    },
    openDemo: runtime ? !runtime.config.auth.required : false
  };
};
