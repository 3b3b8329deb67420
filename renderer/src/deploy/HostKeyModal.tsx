import { useEffect, useRef } from 'react';
import { useStore } from '../store/store';
import { Modal } from '../app/Modal';
import { answerHostKey } from './deploy-actions';

/**
 * Asks about a host key seen for the first time (one question at a time, oldest first). A changed
 * key never comes here: the backend refuses it and the host shows the error, with no way to click
 * through: a changed key may be a man in the middle, and one click must not trust it.
 */
export function HostKeyModal() {
  const prompt = useStore((s) => s.hostKeyPrompts[0]);
  const waiting = useStore((s) => s.hostKeyPrompts.length);
  const hostName = useStore((s) =>
    prompt ? s.topology.hosts.find((h) => h.ssh.host === prompt.host && h.ssh.port === prompt.port)?.name : undefined,
  );
  const refuse = useRef<HTMLButtonElement>(null);
  useEffect(() => refuse.current?.focus(), [prompt?.promptId]);
  if (!prompt) return null;
  const where = `${prompt.host}:${prompt.port}`;
  return (
    <Modal
      titleId="hostkey-title"
      title={`Unknown host key${hostName === undefined ? '' : ` for ${hostName}`}`}
      testId="host-key-prompt"
      role="alertdialog"
      top
      onEscape={() => void answerHostKey(prompt.promptId, false)}
    >
      <p>
        <span className="mono">{where}</span> presented a host key that VXLAN Studio has not seen before. Compare the fingerprint
        with the one on the host (
        <span className="mono">
          ssh-keygen -lf /etc/ssh/ssh_host_{prompt.keyType.replace(/^ssh-/, '').replace(/^ecdsa-.*/, 'ecdsa')}_key.pub
        </span>
        ) before you trust it.
      </p>
      <dl className="hostkey-facts">
        <dt>Host</dt>
        <dd className="mono" data-testid="host-key-host">
          {where}
        </dd>
        <dt>Key type</dt>
        <dd className="mono">{prompt.keyType}</dd>
        <dt>Fingerprint</dt>
        <dd className="mono fingerprint" data-testid="host-key-fingerprint">
          {prompt.fingerprint}
        </dd>
      </dl>
      {waiting > 1 && (
        <p className="muted">
          {waiting - 1} more host{waiting === 2 ? '' : 's'} waiting for an answer.
        </p>
      )}
      <div className="modal-buttons">
        <button
          type="button"
          ref={refuse}
          onClick={() => void answerHostKey(prompt.promptId, false)}
          data-testid="host-key-refuse"
        >
          Refuse
        </button>
        <button
          type="button"
          className="primary"
          onClick={() => void answerHostKey(prompt.promptId, true)}
          data-testid="host-key-trust"
        >
          Trust this key
        </button>
      </div>
    </Modal>
  );
}
