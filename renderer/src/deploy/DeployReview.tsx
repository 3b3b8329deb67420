import { useEffect, useRef } from 'react';
import type { DeployResultData } from '../../../shared/api/contract';
import { groupSteps, stepsToRun, type ChangeKind } from '../../../shared/plan';
import { noLongerDrawn } from './deploy-slice';
import { Modal } from '../app/Modal';
import { useStore } from '../store/store';
import { applyReviewed, cancelDeploy } from './deploy-actions';
import { ForeignReview } from './ForeignReview';
import { ConfirmChoice, RevertedNotes } from './ConfirmWindow';
import { PersistReview } from './PersistReview';

type HostResult = DeployResultData['hosts'][number];

const GROUP_TITLE: Record<ChangeKind, string> = { add: 'Will add', change: 'Will change', remove: 'Will remove' };

function StepGroup({ kind, steps }: { kind: ChangeKind; steps: HostResult['steps'] }) {
  if (steps.length === 0) return null;
  return (
    <div className={`review-group review-${kind}`} data-testid={`review-${kind}`}>
      <div className="review-group-title">
        {GROUP_TITLE[kind]} <span className="muted">({steps.length})</span>
      </div>
      <ul className="review-steps">
        {steps.map((s) => (
          <li key={s.index}>{s.description}</li>
        ))}
      </ul>
      <details className="review-shell">
        <summary>{steps.length === 1 ? 'Show the command' : `Show the ${steps.length} commands`}</summary>
        <pre className="mono" data-testid="review-shell">
          {steps.map((s) => s.shell).join('\n')}
        </pre>
      </details>
    </div>
  );
}

function ErrorBox({ error }: { error: NonNullable<HostResult['error']> }) {
  return (
    <div className="review-error" role="alert" data-testid="review-error" data-code={error.code}>
      <span className="mono review-error-code">{error.code}</span> {error.message}
      {error.hint !== '' && <div className="review-hint">{error.hint}</div>}
    </div>
  );
}

function statusOf(h: HostResult, destroy: boolean, prune: boolean): { label: string; tone: string } {
  const n = stepsToRun(h.steps, prune).length;
  switch (h.outcome) {
    case 'pending':
      // Only devices no longer drawn, and the user unticked removing them: the host stays as it is.
      if (n === 0) return { label: 'unchanged', tone: 'same' };
      return { label: `${n} ${destroy ? 'to remove' : n === 1 ? 'change' : 'changes'}`, tone: 'pending' };
    case 'unchanged':
      return { label: destroy ? 'nothing to remove' : 'unchanged', tone: 'same' };
    case 'unreachable':
      return { label: h.error?.code === 'SSH_HOST_KEY_CHANGED' ? 'host key changed' : 'unreachable', tone: 'error' };
    default:
      return { label: h.outcome, tone: 'error' };
  }
}

/**
 * The devices this drawing created and no longer has, on every host, under their own heading: on by
 * default (the user sees them here and can untick), and the choice goes with Apply as `prune`.
 */
function PruneReview({ preview }: { preview: DeployResultData }) {
  const prune = useStore((s) => s.deployPrune);
  const setPrune = useStore((s) => s.setDeployPrune);
  const devices = noLongerDrawn(preview);
  if (devices.length === 0) return null;
  return (
    <section className="review-group review-remove review-prune" data-testid="review-prune">
      <label className="review-group-title">
        <input type="checkbox" checked={prune} onChange={(e) => setPrune(e.target.checked)} data-testid="review-prune-toggle" />{' '}
        Remove (no longer drawn) <span className="muted">({devices.length})</span>
      </label>
      <p className="muted review-prune-why">
        These devices carry this drawing&apos;s mark but are no longer in it.{' '}
        {prune ? 'Apply deletes them.' : 'They stay on their hosts.'}
      </p>
      <ul className="review-steps">
        {devices.map((d) => (
          <li key={`${d.hostId}:${d.device}`} data-testid="review-prune-device">
            {d.hostName}: <span className="mono">{d.device}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Notes worth showing: every warning and error, and which devices of other drawings are left alone. */
function reviewNotes(host: HostResult): HostResult['diagnostics'] {
  // The runtime-only warning has its own line in PersistReview.
  return host.diagnostics.filter(
    (d) => (d.severity !== 'info' || d.code === 'PLAN_OTHER_DRAWING') && d.code !== 'PERSIST_RUNTIME_ONLY',
  );
}

function HostReview({ host, destroy }: { host: HostResult; destroy: boolean }) {
  const prune = useStore((s) => s.deployPrune);
  const status = statusOf(host, destroy, prune);
  const groups = groupSteps(host.steps);
  const notes = reviewNotes(host);
  return (
    <section
      className={`review-host review-host-${status.tone}`}
      data-testid="review-host"
      data-host-id={host.hostId}
      data-outcome={host.outcome}
    >
      <header>
        <strong>{host.hostName}</strong>
        <span className={`chip chip-${status.tone}`} data-testid="review-status">
          {status.label}
        </span>
      </header>
      {host.error && <ErrorBox error={host.error} />}
      <RevertedNotes host={host} />
      {notes.length > 0 && (
        <ul className="review-notes">
          {notes.map((d, i) => (
            <li key={i} className={`sev-text-${d.severity}`} data-code={d.code}>
              <span className="mono">{d.path}</span>: {d.message}
            </li>
          ))}
        </ul>
      )}
      {(['add', 'change', 'remove'] as const).map((k) => (
        <StepGroup key={k} kind={k} steps={groups[k]} />
      ))}
      <PersistReview host={host} destroy={destroy} />
    </section>
  );
}

function ReviewBody({ preview }: { preview: DeployResultData }) {
  const destroy = preview.action === 'destroy';
  const prune = useStore((s) => s.deployPrune);
  const changing = preview.hosts.filter((h) => h.outcome === 'pending' && stepsToRun(h.steps, prune).length > 0).length;
  const unchanged = preview.hosts.filter(
    (h) => h.outcome === 'unchanged' || (h.outcome === 'pending' && stepsToRun(h.steps, prune).length === 0),
  ).length;
  const broken = preview.hosts.length - changing - unchanged;
  const apply = useRef<HTMLButtonElement>(null);
  useEffect(() => apply.current?.focus(), []);
  return (
    <>
      <p className="review-summary" data-testid="review-summary">
        {changing} of {preview.hosts.length} hosts {destroy ? 'have something to remove' : 'will change'}, {unchanged}{' '}
        {destroy ? 'are already clean' : 'unchanged'}
        {broken > 0 && (
          <span className="sev-text-error">
            , {broken} cannot be {destroy ? 'cleaned' : 'deployed'} (see below)
          </span>
        )}
        .
      </p>
      <PruneReview preview={preview} />
      <ForeignReview preview={preview} />
      <ConfirmChoice />
      <div className="review-hosts">
        {preview.hosts.map((h) => (
          <HostReview key={h.hostId} host={h} destroy={destroy} />
        ))}
      </div>
      <div className="modal-buttons">
        <button type="button" onClick={() => void cancelDeploy()}>
          Cancel
        </button>
        <button
          type="button"
          ref={apply}
          className={destroy ? 'danger' : 'primary'}
          disabled={changing === 0}
          onClick={() => void applyReviewed()}
          data-testid="review-apply"
          title={changing === 0 ? 'No host has anything to do' : undefined}
        >
          {changing === 0
            ? 'Nothing to apply'
            : destroy
              ? `Destroy on ${changing} host${changing === 1 ? '' : 's'}`
              : `Apply to ${changing} host${changing === 1 ? '' : 's'}`}
        </button>
      </div>
    </>
  );
}

/** The review before Deploy/Destroy touch any host, and the "connecting" state while it is gathered. */
export function DeployReview() {
  const phase = useStore((s) => s.deployPhase);
  const preview = useStore((s) => s.deployPreview);
  const action = useStore((s) => s.deployAction);
  const hostCount = useStore((s) => s.topology.hosts.length);
  const done = useStore((s) => Object.values(s.hostProgress).filter((p) => p.phase === 'done').length);
  const askingKeys = useStore((s) => s.hostKeyPrompts.length > 0);
  if (phase !== 'previewing' && phase !== 'reviewing') return null;
  // One dialog at a time: a host-key question replaces the "connecting" box, which has nothing to add.
  if (phase === 'previewing' && askingKeys) return null;
  const destroy = action === 'destroy';
  return (
    <Modal
      titleId="review-title"
      title={destroy ? 'Review destroy' : 'Review deploy'}
      testId="deploy-review"
      className={phase === 'reviewing' ? 'modal-wide' : undefined}
      onEscape={() => void cancelDeploy()}
    >
      {phase === 'previewing' || !preview ? (
        <>
          <p data-testid="review-loading">
            <span className="spinner" aria-hidden /> Connecting to {hostCount} host{hostCount === 1 ? '' : 's'} and reading their
            state ({done} done). Nothing is changed yet.
          </p>
          <div className="modal-buttons">
            <button type="button" onClick={() => void cancelDeploy()}>
              Cancel
            </button>
          </div>
        </>
      ) : (
        <ReviewBody preview={preview} />
      )}
    </Modal>
  );
}
