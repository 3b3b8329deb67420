import { useEffect, useRef, useState, type FormEvent } from 'react';
import { events, type EventOf } from '../../../shared/api/contract';
import { call, describeError, getApiClient } from '../api/backend';
import { useStore } from '../store/store';

type CredentialPrompt = EventOf<'hosts.credentialPrompt'>;

/**
 * Asks for an SSH login password or an identity file's passphrase (`hosts.credentialPrompt`, one
 * question at a time, oldest first) and answers with `hosts.answerCredential`. The secret lives only
 * in this input's local state and is cleared once sent: never in the store, the log or a notice.
 */
export function CredentialModal() {
  // The queue holds prompts only; they carry no secret.
  const [queue, setQueue] = useState<CredentialPrompt[]>([]);
  const [secret, setSecret] = useState('');
  const [remember, setRemember] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const prompt = queue[0];
  const hostName = useStore((s) => (prompt ? s.topology.hosts.find((h) => h.ssh.host === prompt.host)?.name : undefined));

  useEffect(() => {
    const api = getApiClient();
    if (!api) return undefined;
    return api.on('hosts.credentialPrompt', (payload) => {
      // Events cross a process boundary: parse before acting on them.
      const e = events['hosts.credentialPrompt'].safeParse(payload);
      if (e.success) setQueue((q) => (q.some((p) => p.promptId === e.data.promptId) ? q : [...q, e.data]));
    });
  }, []);
  useEffect(() => input.current?.focus(), [prompt?.promptId]);

  if (!prompt) return null;

  const send = async (value: string | null): Promise<void> => {
    const { promptId, canRemember } = prompt;
    setQueue((q) => q.filter((p) => p.promptId !== promptId));
    setSecret('');
    setRemember(false);
    try {
      const { accepted } = await call('hosts.answerCredential', { promptId, secret: value, remember: remember && canRemember });
      // The backend stops waiting after a while: say so rather than pretend the answer counted.
      if (!accepted)
        useStore.getState().notify('warning', 'That question had expired; the host failed to log in. Press Deploy again.');
    } catch (err) {
      useStore.getState().notify('error', `Could not send the answer: ${describeError(err)}`);
    }
  };
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    void send(secret);
  };

  const what = prompt.kind === 'password' ? 'Password' : 'Passphrase';
  const who = prompt.kind === 'password' ? `${prompt.user ?? ''}@${prompt.host}` : prompt.host;
  return (
    <div className="modal-backdrop modal-top">
      <form
        className="modal"
        role="dialog"
        aria-modal="true"
        aria-labelledby="credential-title"
        data-testid="credential-prompt"
        onSubmit={submit}
        onKeyDown={(e) => e.key === 'Escape' && void send(null)}
      >
        <h2 id="credential-title">
          {what} needed{hostName === undefined ? '' : ` for ${hostName}`}
        </h2>
        {prompt.kind === 'password' ? (
          <p>
            <span className="mono">{who}</span> asks for the login password.
          </p>
        ) : (
          <p>
            The identity file <span className="mono">{prompt.keyPath}</span> used for <span className="mono">{who}</span> is
            encrypted: enter its passphrase.
          </p>
        )}
        <label className="field">
          {what}
          <input
            ref={input}
            className="wide"
            type="password"
            autoComplete="off"
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
            data-testid="credential-secret"
          />
        </label>
        {prompt.canRemember && (
          <label>
            <input
              type="checkbox"
              checked={remember}
              onChange={(e) => setRemember(e.target.checked)}
              data-testid="credential-remember"
            />{' '}
            Remember (encrypted with the OS keychain)
          </label>
        )}
        {queue.length > 1 && <p className="muted">{queue.length - 1} more waiting for an answer.</p>}
        <div className="modal-buttons">
          <button type="button" onClick={() => void send(null)} data-testid="credential-cancel">
            Cancel
          </button>
          <button type="submit" className="primary" data-testid="credential-ok">
            OK
          </button>
        </div>
      </form>
    </div>
  );
}
