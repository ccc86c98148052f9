// POST /api/v1/auth/login: password sign-in. A form post (the sign-in page) is answered with a redirect, JSON with JSON.
import { isRedirect, json, redirect, type RequestHandler } from '@sveltejs/kit';
import { getRuntime } from '$lib/server/runtime';
import { apiError } from '$lib/server/api';
import { setSessionCookie } from '$lib/server/auth-http';
import { signInWithPassword, SignInError } from '../../../../../../access/sign-in.ts';
import { safeNext } from '../../../../../../access/oidc.ts';

export const POST: RequestHandler = async ({ request, cookies, locals }) => {
  const isForm = (request.headers.get('content-type') ?? '').includes('form');
  let username = '';
  let password = '';
  let next = '/';
  let lang = 'fr';
  if (isForm) {
    const form = await request.formData();
    username = String(form.get('username') ?? '');
    password = String(form.get('password') ?? '');
    lang = form.get('lang') === 'en' ? 'en' : 'fr';
    next = safeNext(String(form.get('next') ?? ''), `/${lang}`);
  } else {
    const body = (await request.json().catch(() => null)) as { username?: unknown; password?: unknown } | null;
    username = typeof body?.username === 'string' ? body.username : '';
    password = typeof body?.password === 'string' ? body.password : '';
  }
  const { config, warehouse, guards } = await getRuntime();
  try {
    const { account, session } = await signInWithPassword(warehouse, config.auth, { username, password, address: locals.clientAddress, limiter: guards.signIns });
    setSessionCookie(cookies, config, session.value, session.expires);
    if (isForm) redirect(303, next);
    return json({ user: { username: account.username, role: account.role, orgs: account.orgs } });
  } catch (err) {
    if (err instanceof SignInError) {
      if (isForm) {
        const page = lang === 'en' ? '/en/login' : '/fr/connexion';
        redirect(303, `${page}?error=${err.code}&next=${encodeURIComponent(next)}`);
      }
    }
    if (isRedirect(err)) throw err;
    return apiError(err);
  }
};
