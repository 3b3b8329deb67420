/**
 * Live health from the UI: start/pause/resume/stop the backend poller, feed `health.changed` into
 * the store, start polling after a successful deploy, and apply a confirmed fix.
 */
import { events, type ApiClient } from '../../../shared/api/contract';
import { parseTopologyText, serializeTopology } from '../../../shared/model';
import { call, describeError, getApiClient } from '../files/backend';
import { useStore } from '../store/store';

const state = () => useStore.getState();

/** Starts (or restarts) polling the current drawing's hosts. */
export async function startHealth(): Promise<void> {
  const s = state();
  let text: string;
  try {
    text = serializeTopology(s.topology);
  } catch (err) {
    s.setHealthError(`The drawing does not serialise: ${describeError(err)}`);
    return;
  }
  s.setHealthError(null);
  s.setHealthPolling('starting', null);
  try {
    const { pollId } = await call('health.start', { topology: text });
    state().setHealthPolling('running', pollId);
  } catch (err) {
    state().setHealthPolling('off', null);
    state().setHealthError(`Live health could not start: ${describeError(err)}`);
  }
}

export async function stopHealth(): Promise<void> {
  try {
    await call('health.stop', {});
  } catch (err) {
    state().setHealthError(`Stopping live health failed: ${describeError(err)}`);
  }
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

/** The confirmed fix: the backend runs the steps per host through the deploy runner. */
export async function applyConfirmedFix(): Promise<void> {
  const fix = state().healthFix;
  if (fix?.stage !== 'confirm') return;
  const { findingId } = fix;
  state().setHealthFix({ stage: 'applying', findingId });
  const name = (id: string): string => state().topology.hosts.find((h) => h.id === id)?.name ?? id;
  try {
    const result = await call('health.applyFix', { findingId });
    const lines = result.hosts.map((h) => {
      const why = h.failure ? `: step ${h.failure.step + 1} failed (exit ${String(h.failure.exitCode)}) $ ${h.failure.shell}` : h.error ? `: ${h.error.message}` : '';
      return `${name(h.hostId)}: ${h.outcome}, ${h.applied} step${h.applied === 1 ? '' : 's'} applied${why}`;
    });
    if (result.topology !== undefined) {
      // An MTU fix changes a topology value too: take it into the drawing so the plan agrees with the hosts.
      const parsed = parseTopologyText(result.topology);
      if (parsed.ok) {
        state().commit(parsed.topology);
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

/** Feeds `health.changed` into the store and starts polling after a successful deploy; returns the unsubscribe. */
export function subscribeHealthEvents(api: ApiClient | null = getApiClient()): () => void {
  if (!api) return () => undefined;
  const timer = setInterval(() => void refreshSnapshot(), SNAPSHOT_INTERVAL_MS);
  const offChanged = api.on('health.changed', (payload) => {
    // Events cross a process boundary: parse before acting on them.
    const view = events['health.changed'].safeParse(payload);
    if (!view.success) return;
    const s = state();
    // A round may arrive before `health.start` answers: adopt its poll id then.
    if (s.healthPolling === 'starting' && s.healthPollId === null) s.setHealthPolling('starting', view.data.pollId);
    state().applyHealthView(view.data);
  });
  const offStore = useStore.subscribe((s, prev) => {
    if (s.deployResult === prev.deployResult || s.deployResult === null) return;
    if (s.deployResult.action === 'apply' && s.deployResult.ok) void startHealth();
    else if (s.deployResult.action === 'destroy' && s.healthPolling !== 'off') void stopHealth();
  });
  return () => {
    clearInterval(timer);
    offChanged();
    offStore();
  };
}
