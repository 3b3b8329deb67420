import { useEffect, useState } from 'react';
import type { SshResolutionView } from '../../../shared/api/contract';
import type { Host } from '../../../shared/model';
import { BackendError, call, describeError } from '../api/backend';

/** `user@host:port` ([...] around IPv6 literals), as ssh prints an endpoint. */
function endpoint(e: { user: string; host: string; port: number }): string {
  return `${e.user}@${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`;
}

/**
 * What the host's SSH settings resolve to through ~/.ssh/config (`hosts.resolveSsh`), shown only
 * when the config changed something (an alias, a jump host, a key): the host, user and port the
 * pool will really dial, the jump hosts in order and the config lines that said so.
 */
export function SshResolution({ ssh }: { ssh: Host['ssh'] }) {
  const [view, setView] = useState<SshResolutionView | string | undefined>(undefined);
  const key = JSON.stringify(ssh);
  useEffect(() => {
    let live = true;
    // Asked after a pause in typing, not on every key.
    const timer = setTimeout(() => {
      call('hosts.resolveSsh', { ssh: JSON.parse(key) as Host['ssh'] }).then(
        (r) => live && setView(r),
        // Only a bad config file is the user's to fix here; anything else (no backend yet) shows nothing.
        (err: unknown) =>
          live && setView(err instanceof BackendError && err.data.code === 'SSH_CONFIG_INVALID' ? describeError(err) : undefined),
      );
    }, 300);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [key]);
  if (view === undefined) return null;
  if (typeof view === 'string')
    return (
      <p className="muted" data-testid="ssh-resolution-error">
        ~/.ssh/config: {view}
      </p>
    );
  if (view.sources.length === 0) return null;
  const where = [...new Set(view.sources.map((s) => `${s.file}:${s.line}`))].join(', ');
  return (
    <p className="muted" data-testid="ssh-resolution" title={where}>
      Resolves to <span className="mono">{endpoint(view)}</span>
      {view.jumps.length > 0 && (
        <>
          {' '}
          via <span className="mono">{view.jumps.map(endpoint).join(' → ')}</span>
        </>
      )}
      {view.identityFiles.length > 0 && (
        <>
          {' '}
          with <span className="mono">{view.identityFiles.join(', ')}</span>
        </>
      )}{' '}
      (from {where})
    </p>
  );
}
