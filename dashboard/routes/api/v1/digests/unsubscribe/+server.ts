// The digest e-mail's unsubscribe link: GET shows a one-button confirmation (a link scanner fetching the URL changes
// nothing), POST ends the subscription the token names.
import type { RequestHandler } from '@sveltejs/kit';
import { unsubscribe } from '$lib/server/operations';
import { errorResponse } from '$lib/server/api';

const page = (body: string, status = 200) =>
  new Response(`<!doctype html><html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Jalon — désabonnement / unsubscribe</title></head><body><main>${body}</main></body></html>`, {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; form-action 'self'; frame-ancestors 'none'" }
  });
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const GET: RequestHandler = ({ url }) => {
  const token = url.searchParams.get('token') ?? '';
  return page(`<h1>Se désabonner du sommaire <span lang="en">/ Unsubscribe from the digest</span></h1>
<form method="POST"><input type="hidden" name="token" value="${esc(token)}"><button type="submit">Me désabonner / Unsubscribe me</button></form>`);
};

export const POST: RequestHandler = async ({ request }) => {
  // The confirmation form posts here; anything else gets the API's error shape.
  const form = await request.formData().catch(() => null);
  if (!form) return errorResponse(400, 'bad_request', 'formulaire avec token attendu / form with a token expected');
  const done = await unsubscribe(String(form.get('token') ?? ''));
  return done
    ? page(`<h1>Désabonnement fait <span lang="en">/ Unsubscribed</span></h1><p>${esc(done.org)}</p>`)
    : page('<h1>Lien inconnu ou expiré <span lang="en">/ Unknown or expired link</span></h1>', 404);
};
