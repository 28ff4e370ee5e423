import type { PortalSession, Store, Tenant, User } from '@switchboard/pbx';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { problems } from './errors.js';

export const sessionCookieName = 'switchboard_session';
const sessionCookieMaxAgeSeconds = 30 * 86_400;

/** Who is asking: the signed-in user, their tenant and session. */
export interface PortalIdentity {
  session: PortalSession;
  user: User;
  tenant: Tenant;
}

/** Reads the session cookie and resolves it against the store. */
export class PortalAuth {
  constructor(
    private readonly store: Store,
    private readonly secure: boolean,
  ) {}

  async identify(request: FastifyRequest): Promise<PortalIdentity | null> {
    const token = request.cookies[sessionCookieName];
    if (!token) return null;
    const session = await this.store.sessions.findByToken(token);
    if (!session) return null;
    const [user, tenant] = await Promise.all([this.store.users.get(session.tenantId, session.userId), this.store.tenants.get(session.tenantId)]);
    return user && tenant ? { session, user, tenant } : null;
  }

  /** The identity, or a 401 `unauthorized` problem. */
  async require(request: FastifyRequest): Promise<PortalIdentity> {
    const identity = await this.identify(request);
    if (!identity) throw problems.unauthorized();
    return identity;
  }

  setCookie(reply: FastifyReply, token: string): void {
    reply.setCookie(sessionCookieName, token, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: this.secure,
      maxAge: sessionCookieMaxAgeSeconds,
    });
  }

  clearCookie(reply: FastifyReply): void {
    reply.clearCookie(sessionCookieName, { path: '/', httpOnly: true, sameSite: 'lax', secure: this.secure });
  }
}
