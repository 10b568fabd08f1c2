// Works out who and where the client is: its IP address (X-Forwarded-For believed only from
// trusted proxies), whether it came over https, whether cookies must be Secure, and which
// origins its forms may come from.

import type { MiddlewareHandler } from 'hono';
import { CidrSet, forwardedForList, resolveClientIp } from '../../security/client-ip.ts';
import type { WebEnv } from '../context.ts';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export function clientAddress(options: { trustedProxies: readonly string[]; publicUrl: string | undefined }): MiddlewareHandler<WebEnv> {
  const trusted = new CidrSet(options.trustedProxies);
  const publicOrigin = options.publicUrl === undefined ? undefined : new URL(options.publicUrl).origin.toLowerCase();
  return async (c, next) => {
    const peer = c.env?.incoming?.socket?.remoteAddress;
    const url = new URL(c.req.url);
    const isPeerTrusted = peer !== undefined && trusted.has(peer);
    // The standard Forwarded header when the proxy sends it, else X-Forwarded-For; both only from a trusted peer.
    const forwarded = forwardedForList(c.req.header('forwarded')) ?? c.req.header('x-forwarded-for');
    c.set('clientIp', resolveClientIp(peer, forwarded, trusted));

    // Only a trusted proxy may tell us the original scheme (TLS usually ends at the proxy).
    const forwardedProto = isPeerTrusted ? c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() : undefined;
    const scheme = forwardedProto === 'https' || forwardedProto === 'http' ? forwardedProto : url.protocol.replace(':', '');
    const host = (c.req.header('host') ?? url.host).toLowerCase();
    const hostname = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? host);
    const isHttps = scheme === 'https';
    c.set('isHttps', isHttps);
    // Secure cookies everywhere except plain-http localhost, where a browser would drop them.
    c.set('secureCookies', isHttps || !LOCAL_HOSTS.has(hostname));
    const origins = [`${scheme}://${host}`];
    if (publicOrigin !== undefined && !origins.includes(publicOrigin)) origins.push(publicOrigin);
    c.set('allowedOrigins', origins);
    await next();
  };
}
