import { useEffect } from 'react';
import { useStore } from '../store/store';
import type { Notice } from './types';

/** How long an info notice stays; warnings and errors stay until dismissed. */
const INFO_MS = 3500;

function NoticeItem({ notice }: { notice: Notice }) {
  const dismiss = useStore((s) => s.dismissNotice);
  useEffect(() => {
    if (notice.level !== 'info') return;
    const t = setTimeout(() => dismiss(notice.id), INFO_MS);
    return () => clearTimeout(t);
  }, [notice, dismiss]);
  return (
    <div className={`notice notice-${notice.level}`} role={notice.level === 'error' ? 'alert' : 'status'} data-testid="notice">
      <span>{notice.text}</span>
      <button type="button" aria-label="Dismiss" onClick={() => dismiss(notice.id)}>
        ×
      </button>
    </div>
  );
}

export function Notices() {
  const notices = useStore((s) => s.notices);
  return (
    <div className="notices">
      {notices.map((n) => (
        <NoticeItem key={n.id} notice={n} />
      ))}
    </div>
  );
}
