// Server hooks: the page language for <html lang>, and security headers on every response.
import type { Handle } from '@sveltejs/kit';

export const handle: Handle = async ({ event, resolve }) => {
  const lang = event.url.pathname.startsWith('/en') ? 'en' : 'fr';
  const response = await resolve(event, { transformPageChunk: ({ html }) => html.replace('%lang%', lang) });
  response.headers.set('x-content-type-options', 'nosniff');
  response.headers.set('referrer-policy', 'same-origin');
  response.headers.set('x-frame-options', 'DENY');
  return response;
};
