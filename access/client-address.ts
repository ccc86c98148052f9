// The client's address for rate limits, lockout and the audit log. Behind a reverse proxy every request comes from
// the proxy: its X-Forwarded-For is believed only when the socket's peer is one of JALON_TRUSTED_PROXIES, and then
// the address taken is the right-most one the trusted proxies did not add (the left ones are the client's to forge).
import { isIP } from 'node:net';

/** `::ffff:10.0.0.1` and `10.0.0.1` are the same IPv4 client. */
export function normalizeAddress(address: string): string {
  const a = address.trim();
  return a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a;
}

export function clientAddress(peer: string, forwardedFor: string | null, trustedProxies: readonly string[]): string {
  const socket = normalizeAddress(peer);
  if (!forwardedFor || !trustedProxies.includes(socket)) return socket;
  const hops = forwardedFor.split(',').map(normalizeAddress).filter((a) => isIP(a) !== 0);
  for (let i = hops.length - 1; i >= 0; i--) if (!trustedProxies.includes(hops[i])) return hops[i];
  return hops[0] ?? socket;
}
