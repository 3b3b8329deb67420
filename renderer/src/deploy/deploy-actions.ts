/**
 * Deploy and Destroy from the UI: review (`deploy.preview`), then apply/destroy with a fresh run id,
 * cancel, and the answers to host-key and credential questions. The backend does the work; this
 * module only drives the store.
 */
import type { DeployResultData } from '../../../shared/api/contract';
import { serializeTopology } from '../../../shared/model';
import { call, describeError } from '../api/backend';
import { confirmBeforeNextRun, confirmWithinChoice, noteArmed } from './confirm-actions';
import { isDeployBusy } from './deploy-slice';
import { selectProblems } from '../problems/problems';
import { useStore } from '../store/store';
import type { DeployAction } from './types';
import type { Store } from '../store/types';

const state = () => useStore.getState();

/** The exact text reviewed, so Apply deploys what the user saw even if something changes meanwhile. */
let reviewedText: string | null = null;

/** A run id the backend accepts (8-64 letters, digits or "-"). */
export function newRunId(): string {
  return crypto.randomUUID();
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Why Deploy cannot start now (short text shown beside the button and as its tooltip), or null. */
export function deployBlocker(s: Store, action: DeployAction = 'apply'): string | null {
  if (s.topology.hosts.length === 0) return 'Add a host first';
  if (isDeployBusy(s)) return 'A deploy is under way';
  const problems = selectProblems(s);
  const refused = problems.filter((p) => p.origin === 'field').length;
  if (refused > 0) return `${plural(refused, 'refused edit')}: see Problems`;
  // Destroy removes only what carries the topology's mark, so a half-finished drawing may still be torn down.
  if (action === 'apply') {
    const errors = problems.filter((p) => p.origin === 'validation' && p.severity === 'error').length;
    if (errors > 0) return `${plural(errors, 'error')}: see Problems`;
  }
  return null;
}

/**
 * Deploy/Destroy button: review what would change on every host. `replaceForeign`: plan to replace
 * devices made by hand that differ from the drawing (the review's checkbox asks for a new review).
 */
export async function startReview(action: DeployAction, opts: { replaceForeign?: boolean } = {}): Promise<void> {
  const s = state();
  const blocker = deployBlocker(s, action);
  if (blocker !== null) {
    s.notify('warning', `Cannot ${action === 'destroy' ? 'destroy' : 'deploy'}: ${blocker}.`);
    return;
  }
  let text: string;
  try {
    text = serializeTopology(s.topology);
  } catch (err) {
    s.notify('error', `Cannot deploy: the drawing does not serialise (${describeError(err)}).`);
    return;
  }
  const runId = newRunId();
  reviewedText = text;
  s.beginDeployRun(action, runId, 'preview');
  try {
    // The review shows devices no longer drawn with the steps that remove them; Apply sends the choice.
    state().finishPreview(
      await call('deploy.preview', {
        topology: text,
        action,
        runId,
        prune: action === 'apply',
        ...(opts.replaceForeign === true ? { replaceForeign: true } : {}),
      }),
    );
  } catch (err) {
    if (state().deployRunId !== runId) return;
    state().failDeployRun(`Review failed: ${describeError(err)}`);
    state().setBottomTab('log');
  }
}

/** The review's "Replace devices made by hand" checkbox: a new review with that choice (the old one closes). */
export async function reviewReplacingForeign(replaceForeign: boolean): Promise<void> {
  if (state().deployPhase !== 'reviewing') return;
  state().closeDeployReview();
  await startReview('apply', { replaceForeign });
}

/** The review's digest of every host it planned (one it could not plan is then not touched). */
function reviewedDigests(preview: DeployResultData | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of preview?.hosts ?? []) if (h.digest !== undefined) out[h.hostId] = h.digest;
  return out;
}

/** Apply (or Destroy) button of the review: runs on every host with a fresh run id. */
export async function applyReviewed(): Promise<DeployResultData | null> {
  const s = state();
  if (s.deployPhase !== 'reviewing' || reviewedText === null) return null;
  const action = s.deployAction;
  await confirmBeforeNextRun();
  // The backend runs only what was reviewed: a host that changed since is left alone and reported.
  const reviewed = reviewedDigests(s.deployPreview);
  const replaceForeign = s.deployPreview?.replaceForeign === true;
  const runId = newRunId();
  const confirmWithin = action === 'apply' ? confirmWithinChoice() : undefined;
  s.beginDeployRun(action, runId, 'run');
  s.setBottomTab('log');
  try {
    const result =
      action === 'destroy'
        ? await call('deploy.destroy', { topology: reviewedText, runId, reviewed })
        : await call('deploy.apply', {
            topology: reviewedText,
            runId,
            prune: s.deployPrune,
            reviewed,
            replaceForeign,
            confirmWithin,
          });
    state().finishDeployRun(result);
    noteArmed(result, reviewedText, confirmWithin);
    return result;
  } catch (err) {
    if (state().deployRunId === runId)
      state().failDeployRun(`${action === 'destroy' ? 'Destroy' : 'Deploy'} failed: ${describeError(err)}`);
    return null;
  }
}

/** Cancel during a review or a run: the backend stops each host before its next step and rolls back. */
export async function cancelDeploy(): Promise<void> {
  const s = state();
  const runId = s.deployRunId;
  if (runId === null) return;
  if (s.deployPhase === 'reviewing') {
    s.closeDeployReview();
    return;
  }
  if (s.deployPhase === 'previewing') s.closeDeployReview();
  else s.requestDeployCancel();
  try {
    await call('deploy.cancel', { runId });
  } catch (err) {
    state().notify('warning', `Cancel failed: ${describeError(err)}`);
  }
}

/** Trust or refuse a host key seen for the first time. */
export async function answerHostKey(promptId: string, accept: boolean): Promise<void> {
  const s = state();
  const prompt = s.hostKeyPrompts.find((p) => p.promptId === promptId);
  s.removeHostKeyPrompt(promptId);
  if (prompt) {
    const host = s.topology.hosts.find((h) => h.ssh.host === prompt.host && h.ssh.port === prompt.port)?.name ?? '';
    // The log keeps what was trusted, so a later "host key changed" can be traced to this answer.
    s.logDeploy(
      accept ? 'info' : 'error',
      `${accept ? 'trusted' : 'refused'} ${prompt.keyType} host key ${prompt.fingerprint} of ${prompt.host}:${prompt.port}`,
      host,
    );
  }
  try {
    const { known } = await call('hosts.confirmHostKey', { promptId, accept });
    // The backend stops waiting after a while: say so rather than pretend the answer counted.
    if (!known)
      state().notify('warning', 'That host-key question had expired; the host was treated as refused. Press Deploy again.');
  } catch (err) {
    state().notify('error', `Could not send the host-key answer: ${describeError(err)}`);
  }
}

/**
 * Answers a password, passphrase or sudo password question (null = cancel: the host then fails with
 * SSH_AUTH_FAILED, or SUDO_PASSWORD_REQUIRED for sudo). The secret goes straight to the backend: never into the store, the log or a notice.
 */
export async function answerCredential(
  promptId: string,
  secret: string | null,
  remember: boolean,
  forAllHosts = false,
): Promise<void> {
  const prompt = state().credentialPrompts.find((p) => p.promptId === promptId);
  state().removeCredentialPrompt(promptId);
  // "Same for every host": the backend answers the other sudo questions with this password too.
  const all = forAllHosts && secret !== null && prompt?.kind === 'sudo-password';
  if (all) for (const p of state().credentialPrompts) if (p.kind === 'sudo-password') state().removeCredentialPrompt(p.promptId);
  try {
    const { accepted } = await call('hosts.answerCredential', {
      promptId,
      secret,
      remember: remember && prompt?.canRemember === true,
      ...(all ? { forAllHosts: true } : {}),
    });
    // The backend stops waiting after a while: say so rather than pretend the answer counted.
    if (!accepted) state().notify('warning', 'That question had expired; the host failed to log in. Press Deploy again.');
  } catch (err) {
    state().notify('error', `Could not send the answer: ${describeError(err)}`);
  }
}
