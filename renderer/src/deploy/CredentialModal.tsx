import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useStore } from '../store/store';
import { Modal } from '../app/Modal';
import { answerCredential } from './deploy-actions';

/**
 * Asks for an SSH login password, an identity file's passphrase or a sudo password (`hosts.credentialPrompt`, one
 * question at a time, oldest first) and answers with `hosts.answerCredential`. The questions queue in
 * the deploy slice like host-key questions (they carry no secret); the secret lives only in this
 * input's local state and is cleared once sent: never in the store, the log or a notice.
 */
export function CredentialModal() {
  const prompt = useStore((s) => s.credentialPrompts[0]);
  const waiting = useStore((s) => s.credentialPrompts.length);
  const [secret, setSecret] = useState('');
  const [remember, setRemember] = useState(false);
  const [forAllHosts, setForAllHosts] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const hostName = useStore((s) => (prompt ? s.topology.hosts.find((h) => h.ssh.host === prompt.host)?.name : undefined));

  useEffect(() => input.current?.focus(), [prompt?.promptId]);

  if (!prompt) return null;

  const send = (value: string | null): Promise<void> => {
    setSecret('');
    setRemember(false);
    setForAllHosts(false);
    return answerCredential(prompt.promptId, value, remember, forAllHosts);
  };
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    void send(secret);
  };

  const what = prompt.kind === 'password' ? 'Password' : prompt.kind === 'sudo-password' ? 'sudo password' : 'Passphrase';
  const who = prompt.kind === 'passphrase' ? prompt.host : `${prompt.user ?? ''}@${prompt.host}`;
  return (
    <Modal
      titleId="credential-title"
      title={`${what} needed${hostName === undefined ? '' : ` for ${hostName}`}`}
      testId="credential-prompt"
      top
      onEscape={() => void send(null)}
      onSubmit={submit}
    >
      {prompt.kind === 'password' ? (
        <p>
          <span className="mono">{who}</span> asks for the login password.
        </p>
      ) : prompt.kind === 'sudo-password' ? (
        <p>
          sudo on <span className="mono">{who}</span> asks for a password to run the network commands as root. It is sent to sudo
          on the host, and kept only in memory unless you tick Remember.
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
      {prompt.kind === 'sudo-password' && (
        <label>
          <input
            type="checkbox"
            checked={forAllHosts}
            onChange={(e) => setForAllHosts(e.target.checked)}
            data-testid="credential-all-hosts"
          />{' '}
          Same for every host
        </label>
      )}
      {waiting > 1 && <p className="muted">{waiting - 1} more waiting for an answer.</p>}
      <div className="modal-buttons">
        <button type="button" onClick={() => void send(null)} data-testid="credential-cancel">
          Cancel
        </button>
        <button type="submit" className="primary" data-testid="credential-ok">
          OK
        </button>
      </div>
    </Modal>
  );
}
