/**
 * Inspector fields. A text field applies on Enter or when it loses focus; a value that does not
 * parse is refused with the schema's own message, shown at the field (and in Problems and on the
 * element), and the document keeps its last valid value. Escape or Undo (in the field, the toolbar
 * or Ctrl+Z on the canvas) drops the refused value first.
 */
import { useEffect, useId, useState, type ReactNode } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { TopologySchema, formatPath, type Topology } from '../../../shared/model';
import { useStore } from '../store/store';
import type { FieldError } from './types';

export type Applied = { topology: Topology } | { error: string };

/** Where a field lives: its element, the canvas item showing it, and its path in the file. */
export interface FieldTarget {
  elementId: string;
  canvasId: string;
  elementKind: FieldError['elementKind'];
}

/**
 * The last guard before a commit: the edited topology must still satisfy the file schema, so an
 * edit can never make the document unsaveable.
 */
export function guard(next: Topology): Applied {
  const r = TopologySchema.safeParse(next);
  if (r.success) return { topology: next };
  const issue = r.error.issues[0];
  return { error: issue ? `${issue.message} (${formatPath(issue.path)})` : 'is not valid' };
}

/** Messages of validation diagnostics whose path is this field (or inside it). */
function useFieldDiagnostics(path: string, exact: boolean): { severity: string; message: string }[] {
  return useStore(
    useShallow((s) =>
      s.diagnostics
        .filter((d) => d.path === path || (!exact && (d.path.startsWith(`${path}.`) || d.path.startsWith(`${path}[`))))
        .map((d) => `${d.severity}\t${d.message}`),
    ),
  ).map((x) => {
    const [severity, ...rest] = x.split('\t');
    return { severity: severity ?? 'error', message: rest.join('\t') };
  });
}

/** `exact`: only findings on this very path (a select whose sub-fields show their own). */
function FieldMessages({
  fieldError,
  path,
  exact = false,
}: {
  fieldError: FieldError | undefined;
  path: string;
  exact?: boolean;
}) {
  const diags = useFieldDiagnostics(path, exact);
  return (
    <>
      {fieldError && (
        <div className="field-error" role="alert" data-testid="field-error">
          {fieldError.message}
        </div>
      )}
      {diags.map((d, i) => (
        <div key={i} className={d.severity === 'error' ? 'field-error' : 'field-warning'} data-testid="field-diagnostic">
          {d.message}
        </div>
      ))}
    </>
  );
}

export function Row({ label, htmlFor, children }: { label: string; htmlFor?: string; children: ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={htmlFor}>{label}</label>
      {children}
    </div>
  );
}

interface TextFieldProps {
  target: FieldTarget;
  /** Path in the file, e.g. `segments[0].vni`: keys the field error and matches diagnostics. */
  path: string;
  label: string;
  value: string;
  placeholder?: string;
  mono?: boolean;
  hint?: string;
  apply: (raw: string) => Applied;
}

export function TextField({ target, path, label, value, placeholder, mono, hint, apply }: TextFieldProps) {
  const id = useId();
  const key = `${target.elementId}|${path}`;
  const fieldError = useStore((s) => s.fieldErrors[key]);
  const [draft, setDraft] = useState(fieldError?.raw ?? value);
  const [editing, setEditing] = useState(false);

  // Outside changes (undo, redo, another field) show up unless the user is typing here.
  useEffect(() => {
    if (!editing) setDraft(fieldError?.raw ?? value);
  }, [value, fieldError, editing]);

  const submit = (): void => {
    const s = useStore.getState();
    const r = apply(draft);
    if ('error' in r) {
      s.setFieldError({ ...target, field: path, label, raw: draft, message: r.error });
      return;
    }
    s.clearFieldError(target.elementId, path);
    const checked = guard(r.topology);
    if ('error' in checked) {
      s.setFieldError({ ...target, field: path, label, raw: draft, message: checked.error });
      return;
    }
    if (checked.topology !== s.topology) s.commit(checked.topology);
  };

  return (
    <Row label={label} htmlFor={id}>
      <input
        id={id}
        className={`${mono ? 'mono ' : ''}${fieldError ? 'invalid' : ''}`}
        value={draft}
        placeholder={placeholder}
        aria-invalid={fieldError ? true : undefined}
        spellCheck={false}
        autoComplete="off"
        onFocus={() => setEditing(true)}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={() => {
          setEditing(false);
          if (draft !== value || fieldError) submit();
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') submit();
          // Escape, and Undo right after a refused value, put back the last valid value. The field's
          // own undo would step through the refused text keystroke by keystroke, and the canvas's
          // Undo would revert an earlier, accepted edit instead.
          const undo = (e.ctrlKey || e.metaKey) && !e.shiftKey && e.key.toLowerCase() === 'z' && fieldError !== undefined;
          if (e.key === 'Escape' || undo) {
            if (undo) e.preventDefault();
            setDraft(value);
            useStore.getState().clearFieldError(target.elementId, path);
          }
        }}
      />
      {hint && <div className="field-hint">{hint}</div>}
      <FieldMessages fieldError={fieldError} path={path} />
    </Row>
  );
}

export function SelectField<T extends string>({
  path,
  label,
  value,
  options,
  onChange,
}: {
  path: string;
  label: string;
  value: T;
  options: readonly { value: T; label: string }[];
  onChange: (value: T) => void;
}) {
  const id = useId();
  return (
    <Row label={label} htmlFor={id}>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value as T)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <FieldMessages fieldError={undefined} path={path} exact />
    </Row>
  );
}

export function CheckField({
  label,
  checked,
  hint,
  onChange,
}: {
  label: string;
  checked: boolean;
  hint?: string;
  onChange: (v: boolean) => void;
}) {
  const id = useId();
  return (
    <div className="field field-check">
      <input id={id} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      <label htmlFor={id}>{label}</label>
      {hint && <div className="field-hint">{hint}</div>}
    </div>
  );
}

/** Commits a change made by a select or checkbox (always valid by construction, still guarded). */
export function commitGuarded(next: Topology): void {
  const s = useStore.getState();
  const checked = guard(next);
  if ('error' in checked) s.notify('error', `Not applied: ${checked.error}`);
  else if (checked.topology !== s.topology) s.commit(checked.topology);
}
