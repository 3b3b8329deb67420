/**
 * The way to a target: its jump hosts in order and the final host, each with the auth methods to
 * try, from the drawing's `SshTarget` and the OpenSSH client config (ssh-config.ts).
 *
 * The drawing's fields win over the config (as ssh's command line does); its defaults (port 22, user
 * root, ssh-agent auth) count as "not set". Jump hosts use the drawing's auth when it names one
 * (identity file or password), else what the config gives them.
 */
import type { SshAuth, SshTarget } from '../../../shared/model';
import type { Endpoint } from './errors';
import { SshClientConfig, type ResolvedEndpoint, type SshResolution } from './ssh-config';

/** One connection on the way: where, what it was called, and the auth methods to try in order. */
export interface Hop {
  ep: Endpoint;
  /** The name as written (the alias, or the ProxyJump entry). */
  alias: string;
  auth: SshAuth[];
}

export interface Route {
  /** Jump hosts, first to last ([] = direct). */
  jumps: Hop[];
  target: Hop;
}

/**
 * The auth methods for one endpoint: the drawing's identity file or password alone; with the default
 * (ssh-agent), the agent and then the config's IdentityFiles, or only those with IdentitiesOnly.
 */
function authFor(drawn: SshAuth, r: ResolvedEndpoint): SshAuth[] {
  if (drawn.type !== 'agent' || r.identityFiles.length === 0) return [drawn];
  const files = r.identityFiles.map((path): SshAuth => ({ type: 'identity-file', path }));
  return r.identitiesOnly ? files : [drawn, ...files];
}

/** What the config makes of a target (the inspector's "resolves to" and the pool's route). */
export function resolveTarget(target: SshTarget, config: SshClientConfig = SshClientConfig.empty()): SshResolution {
  return config.resolve(
    target.host,
    {
      ...(target.port === 22 ? {} : { port: target.port }),
      ...(target.user === 'root' ? {} : { user: target.user }),
      ...(target.jump === undefined ? {} : { jump: target.jump }),
    },
    target.user,
  );
}

/** The route to `target` through `config` (an empty config: the drawing as it is). */
export function routeOf(target: SshTarget, config?: SshClientConfig): Route {
  const r = resolveTarget(target, config);
  const hop = (e: ResolvedEndpoint): Hop => ({
    ep: { host: e.host, port: e.port, user: e.user },
    alias: e.alias,
    auth: authFor(target.auth, e),
  });
  return { jumps: r.jumps.map(hop), target: hop(r) };
}
