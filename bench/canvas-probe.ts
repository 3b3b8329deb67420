/**
 * What the canvas benchmark installs in the page before the app loads (Playwright `addInitScript`):
 * a long-task observer, a frame clock, and a React DevTools hook that counts commits and which of
 * our node and edge components rendered in each. The product has no bench code: React calls any
 * DevTools hook it finds, in production builds too.
 */

/** Figures the probe keeps in `window.__canvasBench`. */
export interface CanvasProbe {
  commits: number;
  longTasks: Array<{ start: number; duration: number }>;
  /** rAF timestamps while `recording` is on. */
  frames: number[];
  recording: boolean;
  /** Node cards and membership/attachment edges whose component ran, while `recording` is on. */
  renderedNodes: number;
  renderedEdges: number;
  /** `event.timeStamp` of the last click on the dialog's OK button (the moment Open is confirmed). */
  openClickedAt: number;
}

/** Self-contained (serialised into the page): no imports, no closures over module scope. */
export function installCanvasProbe(): void {
  const probe: CanvasProbe = {
    commits: 0,
    longTasks: [],
    frames: [],
    recording: false,
    renderedNodes: 0,
    renderedEdges: 0,
    openClickedAt: 0,
  };
  (window as unknown as { __canvasBench: CanvasProbe }).__canvasBench = probe;

  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) probe.longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });

  const tick = (t: number): void => {
    if (probe.recording) probe.frames.push(t);
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);

  document.addEventListener(
    'click',
    (e) => {
      if (e.target instanceof Element && e.target.closest('[data-testid="dialog-ok"]')) probe.openClickedAt = e.timeStamp;
    },
    true,
  );

  // A fiber, as far as this probe reads it (React's internal shape, as React DevTools reads it).
  interface Fiber {
    tag: number;
    flags: number;
    child: Fiber | null;
    sibling: Fiber | null;
    alternate: Fiber | null;
    stateNode: unknown;
  }
  const FUNCTION_COMPONENT = 0;
  const FORWARD_REF = 11;
  const SIMPLE_MEMO_COMPONENT = 15;
  const HOST_COMPONENT = 5;
  const PERFORMED_WORK = 1;

  const hostOf = (f: Fiber): Element | null => {
    for (let c: Fiber | null = f.child; c; c = c.child) if (c.tag === HOST_COMPONENT) return c.stateNode as Element;
    return null;
  };
  // React DevTools' rule: a subtree whose child pointer did not change was not rendered in this
  // commit; a component rendered when its PerformedWork flag is set.
  const walk = (next: Fiber, prev: Fiber | null, out: Set<Element>): void => {
    if (prev === null) return;
    const isComponent = next.tag === FUNCTION_COMPONENT || next.tag === FORWARD_REF || next.tag === SIMPLE_MEMO_COMPONENT;
    if (isComponent && (next.flags & PERFORMED_WORK) !== 0) {
      const el = hostOf(next);
      if (el) out.add(el);
    }
    if (next.child !== prev.child) for (let c = next.child; c; c = c.sibling) walk(c, c.alternate, out);
  };

  (window as unknown as { __REACT_DEVTOOLS_GLOBAL_HOOK__: object }).__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
    supportsFiber: true,
    isDisabled: false,
    renderers: new Map(),
    inject: () => 1,
    checkDCE: () => undefined,
    onScheduleFiberRoot: () => undefined,
    onCommitFiberUnmount: () => undefined,
    onPostCommitFiberRoot: () => undefined,
    onCommitFiberRoot: (_id: number, root: { current: Fiber }) => {
      probe.commits++;
      if (!probe.recording) return;
      const rendered = new Set<Element>();
      walk(root.current, root.current.alternate, rendered);
      for (const el of rendered) {
        // Our node cards carry class `node`; BaseEdge's path is the first element of an edge component.
        if (el.classList.contains('node')) probe.renderedNodes++;
        else if (el.classList.contains('react-flow__edge-path')) probe.renderedEdges++;
      }
    },
  };
}
