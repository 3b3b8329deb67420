/**
 * Who may call the backend over IPC: only the top frame of our own renderer page (Electron security
 * checklist item 17, "validate the sender of all IPC messages"). An iframe or a page the window was
 * somehow navigated to is refused even though it shares the process.
 */

/** The pages that are ours: the built index.html, and in development the Vite dev server. */
export interface TrustedPages {
  /** `file:///.../dist/renderer/index.html` */
  rendererFileUrl: string;
  /** `http://localhost:5173/` when running against the dev server. */
  devServerUrl?: string;
}

/** The parts of Electron's WebFrameMain this check reads. */
export interface FrameLike {
  readonly url: string;
  readonly parent: unknown;
}

/** True when `url` is our renderer page (any query or hash). */
export function isTrustedUrl(url: string, pages: TrustedPages): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol === 'file:') {
    const ours = new URL(pages.rendererFileUrl);
    return parsed.host === ours.host && parsed.pathname === ours.pathname;
  }
  if (pages.devServerUrl !== undefined && (parsed.protocol === 'http:' || parsed.protocol === 'https:')) {
    return parsed.origin === new URL(pages.devServerUrl).origin;
  }
  return false;
}

/** True when the frame exists, is a top frame, and shows our renderer page. */
export function isTrustedFrame(frame: FrameLike | null | undefined, pages: TrustedPages): boolean {
  if (!frame) return false;
  if (frame.parent !== null) return false;
  return isTrustedUrl(frame.url, pages);
}
