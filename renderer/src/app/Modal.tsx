import type { FormEvent, ReactNode } from 'react';

/**
 * The frame every modal dialog shares: the backdrop, the dialog box labelled by its title, and
 * Escape. The body (text, fields, `modal-buttons`) is the caller's. With `onSubmit` the box is a
 * form, so Enter in a field submits it.
 */
export function Modal(props: {
  /** The title's element id, which labels the dialog for assistive technology. */
  titleId: string;
  title: ReactNode;
  testId: string;
  /** `alertdialog` for a question that needs an answer before anything else (an unknown host key). */
  role?: 'dialog' | 'alertdialog';
  /** Extra classes on the box, e.g. `modal-wide`. */
  className?: string | undefined;
  /** Above other dialogs: a question asked in the middle of another one (a password, a host key). */
  top?: boolean;
  /** What Escape does inside the dialog; without it Escape does nothing. */
  onEscape?: () => void;
  onSubmit?: (e: FormEvent) => void;
  children: ReactNode;
}) {
  const { onEscape } = props;
  const box = {
    className: props.className === undefined ? 'modal' : `modal ${props.className}`,
    role: props.role ?? 'dialog',
    'aria-modal': true,
    'aria-labelledby': props.titleId,
    'data-testid': props.testId,
    onKeyDown: onEscape && ((e: { key: string }) => e.key === 'Escape' && onEscape()),
  };
  const content = (
    <>
      <h2 id={props.titleId}>{props.title}</h2>
      {props.children}
    </>
  );
  return (
    <div className={props.top === true ? 'modal-backdrop modal-top' : 'modal-backdrop'} role="presentation">
      {props.onSubmit ? (
        <form {...box} onSubmit={props.onSubmit}>
          {content}
        </form>
      ) : (
        <div {...box}>{content}</div>
      )}
    </div>
  );
}
