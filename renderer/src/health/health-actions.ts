/**
 * Live health from the UI: start/pause/resume/stop the backend poller, take `health.changed` rounds
 * into the store, start polling after a successful deploy, send the edited drawing to the poller (so it
 * checks the drawing as it is now), and apply a confirmed fix.
 */
import type { HealthView } from '../../../shared/api/contract';
import { serializeTopology, type Topology } from '../../../shared/model';
import { call, describeError } from '../api/backend';
import { confirmBeforeNextRun } from '../deploy/confirm-actions';
import { setSegmentMtu } from '../editor/topology-ops';
import { useStore } from '../store/store';

const state = () => useStore.getState();

/** The drawing the poller checks (sent by health.start or health.update); null while health is off. */
let polled: Topology | null = null;
let followTimer: ReturnType<typeof setTimeout> | undefined;

/** How long the drawing must stay unchanged before the poller is sent the edit (typing, a drag). */
const FOLLOW_DEBOUNCE_MS = 500;

/** Start of the error shown when an edit could not be sent (cleared by the next send that works). */
const FOLLOW_FAILED = 'Live health still checks the drawing as it was before your last edit';

/** Same hosts, segments and memberships: a moved node does not change what health checks. */
function sameNetwork(a: Topology, b: Topology): boolean {
  return a.hosts === b.hosts && a.segments === b.segments && a.memberships === b.memberships;
}

/** Starts (or restarts) polling the current drawing's hosts. */
export async function startHealth(): Promise<void> {
  const s = state();
  const topology = s.topology;
  let text: string;
  try {
    text = serializeTopology(topology);
  } catch (err) {
    s.setHealthError(`The drawing does not serialise: ${describeError(err)}`);
    return;
  }
  s.setHealthError(null);
  s.setHealthPolling('starting', null);
  try {
    const { pollId } = await call('health.start', { topology: text });
    polled = topology;
    state().setHealthPolling('running', pollId);
    // An edit made while the poller was starting is sent now.
    followDrawing();
  } catch (err) {
    state().setHealthPolling('off', null);
    state().setHealthError(`Live health could not start: ${describeError(err)}`);
  }
}

/**
 * Sends the drawing to the poller if its hosts, segments or memberships changed since the last
 * send, so a host added (or a segment joined) while health runs is checked, not left grey while
 * the summary says all is well.
 */
export async function syncHealthTopology(): Promise<void> {
  clearTimeout(followTimer);
  followTimer = undefined;
  const s = state();
  if ((s.healthPolling !== 'running' && s.healthPolling !== 'paused') || polled === null || sameNetwork(polled, s.topology))
    return;
  const topology = s.topology;
  try {
    await call('health.update', { topology: serializeTopology(topology) });
    polled = topology;
    if (state().healthError?.startsWith(FOLLOW_FAILED) === true) state().setHealthError(null);
  } catch (err) {
    if (state().healthPolling === 'off') return;
    state().setHealthError(`${FOLLOW_FAILED}: ${describeError(err)}`);
  }
}

/** Debounced `syncHealthTopology` after an edit, while health runs or is paused. */
function followDrawing(): void {
  clearTimeout(followTimer);
  followTimer = setTimeout(() => void syncHealthTopology(), FOLLOW_DEBOUNCE_MS);
}

export async function stopHealth(): Promise<void> {
  try {
    await call('health.stop', {});
  } catch (err) {
    state().setHealthError(`Stopping live health failed: ${describeError(err)}`);
  }
  polled = null;
  clearTimeout(followTimer);
  state().clearHealth();
}

export async function pauseHealth(): Promise<void> {
  try {
    await call('health.pause', {});
    state().setHealthPolling('paused');
  } catch (err) {
    state().setHealthError(`Pause failed: ${describeError(err)}`);
  }
}

export async function resumeHealth(): Promise<void> {
  try {
    // Edits made while paused are measured by the first round after resume.
    await syncHealthTopology();
    await call('health.resume', {});
    state().setHealthPolling('running');
  } catch (err) {
    state().setHealthError(`Resume failed: ${describeError(err)}`);
  }
}

/** The toolbar's "Live health" switch: off -> start, running -> pause, paused -> resume. */
export function toggleHealth(): Promise<void> {
  const polling = state().healthPolling;
  if (polling === 'off') return startHealth();
  if (polling === 'running') return pauseHealth();
  if (polling === 'paused') return resumeHealth();
  return Promise.resolve();
}

/** Fix button: asks for confirmation first (the dialog lists every command per host). */
export function requestFix(findingId: string): void {
  state().setHealthFix({ stage: 'confirm', findingId });
}

/**
 * The confirmed fix: the backend runs the steps per host through the deploy runner. A fix that also
 * changes a topology value (`fix.topology`: the segment MTU) is applied to the drawing as that one
 * field edit, through the same operation as the inspector's field, so edits made while the fix ran
 * stay (taking the backend's whole file text would drop them).
 */
export async function applyConfirmedFix(): Promise<void> {
  const fix = state().healthFix;
  if (fix?.stage !== 'confirm') return;
  const { findingId } = fix;
  // The finding may leave the store while the fix runs (a round that no longer sees the problem).
  const change = state().healthFindings[findingId]?.fix?.topology;
  state().setHealthFix({ stage: 'applying', findingId });
  const name = (id: string): string => state().topology.hosts.find((h) => h.id === id)?.name ?? id;
  try {
    // A fix is a new change: like a new Deploy, it keeps (confirms) a pending confirm window first,
    // else every host of that run refuses it (CONFIRM_PENDING).
    await confirmBeforeNextRun();
    const result = await call('health.applyFix', { findingId });
    const lines = result.hosts.map((h) => {
      const why = h.failure
        ? `: step ${h.failure.step + 1} failed (exit ${String(h.failure.exitCode)}) $ ${h.failure.shell}`
        : h.error
          ? `: ${h.error.message}`
          : '';
      return `${name(h.hostId)}: ${h.outcome}, ${h.applied} step${h.applied === 1 ? '' : 's'} applied${why}`;
    });
    // The backend returns the corrected file only when the fix changed a topology value.
    if (result.topology !== undefined && change !== undefined) {
      const s = state();
      const segment = s.topology.segments.find((g) => g.id === change.segmentId);
      if (segment !== undefined) {
        if (segment.mtu !== change.mtu) s.commit(setSegmentMtu(s.topology, change.segmentId, change.mtu));
        lines.push('The segment MTU in the drawing was updated to match; save the file to keep it.');
      }
    }
    state().setHealthFix({ stage: 'done', findingId, ok: result.ok, lines });
  } catch (err) {
    state().setHealthFix({ stage: 'done', findingId, ok: false, lines: [describeError(err)] });
  }
}

/** How often the UI reads the latest round while polling runs (a read of the backend's last view, no SSH). */
export const SNAPSHOT_INTERVAL_MS = 2000;

/**
 * `health.changed` only comes when something changed, so while all is well the UI would not know
 * the poller is still alive. Reading the latest view keeps "last updated" true; unchanged entries
 * keep their objects in the store, so this re-renders the label and nothing on the canvas.
 */
async function refreshSnapshot(): Promise<void> {
  if (state().healthPolling !== 'running') return;
  try {
    const view = await call('health.snapshot', { now: false });
    if (view !== null && state().healthPolling === 'running') state().applyHealthView(view);
  } catch (err) {
    if (state().healthPolling !== 'running') return;
    // The backend lost the poller (restarted, or stopped elsewhere): say so instead of showing stale colours.
    state().clearHealth();
    state().setHealthError(`Live health stopped: ${describeError(err)}`);
  }
}

/** One `health.changed` round (parsed by the transport) into the store. */
export function receiveHealthView(view: HealthView): void {
  const s = state();
  // A round may arrive before `health.start` answers: adopt its poll id then.
  if (s.healthPolling === 'starting' && s.healthPollId === null) s.setHealthPolling('starting', view.pollId);
  state().applyHealthView(view);
}

/**
 * Keeps live health in step with the app: reads the latest round while polling runs, sends the
 * edited drawing to the poller, starts polling after a successful deploy and stops it after a
 * destroy. Returns the stop function. (`health.changed` comes in through app/api-events.ts.)
 */
export function watchHealth(): () => void {
  const timer = setInterval(() => void refreshSnapshot(), SNAPSHOT_INTERVAL_MS);
  const offStore = useStore.subscribe((s, prev) => {
    if (
      s.topology !== prev.topology &&
      (s.healthPolling === 'running' || s.healthPolling === 'paused') &&
      polled !== null &&
      !sameNetwork(polled, s.topology)
    )
      followDrawing();
    if (s.deployResult === prev.deployResult || s.deployResult === null) return;
    if (s.deployResult.action === 'apply' && s.deployResult.ok) void startHealth();
    else if (s.deployResult.action === 'destroy' && s.healthPolling !== 'off') void stopHealth();
  });
  return () => {
    clearInterval(timer);
    clearTimeout(followTimer);
    offStore();
  };
}
