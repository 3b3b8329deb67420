import { useEffect, useRef, useState } from 'react';
import { useStore } from '../store/store';
import { Modal } from './Modal';
import type { DialogRequest } from './types';

/** Renders the one open in-app dialog (see app/dialogs.ts). */
export function DialogHost() {
  const dialog = useStore((s) => s.dialog);
  if (!dialog) return null;
  return (
    <Modal titleId="modal-title" title={dialog.title} testId={`dialog-${dialog.kind}`}>
      <DialogBody dialog={dialog} />
    </Modal>
  );
}

function cancelOf(d: DialogRequest): () => void {
  return d.kind === 'issues' ? () => d.resolve() : () => d.resolve(null);
}

function DialogBody({ dialog }: { dialog: DialogRequest }) {
  const [text, setText] = useState(
    dialog.kind === 'path' ? dialog.initial : dialog.kind === 'number' ? String(dialog.initial) : '',
  );
  const [error, setError] = useState<string | null>(null);
  const first = useRef<HTMLInputElement & HTMLButtonElement>(null);
  useEffect(() => first.current?.focus(), []);
  const cancel = cancelOf(dialog);
  const onKey = (e: React.KeyboardEvent): void => {
    if (e.key === 'Escape') cancel();
  };

  if (dialog.kind === 'confirm') {
    return (
      <div onKeyDown={onKey}>
        <p>{dialog.message}</p>
        <div className="modal-buttons">
          {dialog.buttons.map((b, i) => (
            <button
              key={b.id}
              type="button"
              ref={i === 0 ? first : undefined}
              className={b.variant ?? ''}
              onClick={() => dialog.resolve(b.id)}
            >
              {b.label}
            </button>
          ))}
        </div>
      </div>
    );
  }
  if (dialog.kind === 'issues') {
    return (
      <div onKeyDown={onKey}>
        <p>{dialog.message}</p>
        <ul className="issues" data-testid="file-issues">
          {dialog.issues.map((i, n) => (
            <li key={n}>
              <span className="mono issue-path">{i.path}</span>: {i.message}
            </li>
          ))}
        </ul>
        <div className="modal-buttons">
          <button type="button" ref={first} className="primary" onClick={() => dialog.resolve()}>
            OK
          </button>
        </div>
      </div>
    );
  }
  const submit = (): void => {
    if (dialog.kind === 'path') {
      if (text.trim() === '') setError('Type a path.');
      else dialog.resolve(text.trim());
      return;
    }
    const n = Number(text);
    if (!Number.isInteger(n) || n < dialog.min || n > dialog.max)
      setError(`Must be a whole number from ${dialog.min} to ${dialog.max}.`);
    else dialog.resolve(n);
  };
  return (
    <form
      onKeyDown={onKey}
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <p>{dialog.message}</p>
      <input
        ref={first}
        className="mono wide"
        aria-label={dialog.kind === 'path' ? 'Path' : 'Number'}
        data-testid="dialog-input"
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setError(null);
        }}
        spellCheck={false}
        list={dialog.kind === 'path' ? 'dialog-suggestions' : undefined}
      />
      {dialog.kind === 'path' && dialog.suggestions.length > 0 && (
        <datalist id="dialog-suggestions">
          {dialog.suggestions.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
      )}
      {error && <div className="field-error">{error}</div>}
      <div className="modal-buttons">
        <button type="submit" className="primary" data-testid="dialog-ok">
          {dialog.kind === 'path' ? dialog.okLabel : 'OK'}
        </button>
        <button type="button" onClick={cancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
