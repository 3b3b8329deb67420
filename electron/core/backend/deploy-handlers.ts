/**
 * Backend handlers of the deploy methods (`deploy.preview|apply|destroy|cancel`,
 * `hosts.confirmHostKey`) over the deploy runner and one long-lived SSH pool, so a re-apply reuses
 * the connections of the preview. Progress goes out as `deploy.progress` events, host-key questions
 * as `hosts.hostKeyPrompt` events answered by `hosts.confirmHostKey`, and passwords/passphrases as
 * `hosts.credentialPrompt` events answered by `hosts.answerCredential` (see credential-prompts.ts).
 */
import { randomUUID } from 'node:crypto';
import type { EventName, EventOf } from '../../../shared/api/contract';
import { AppError } from '../../../shared/errors/catalogue';
import { formatIssues, parseTopologyText, type Topology } from '../../../shared/model';
import {
  runConfirm,
  runDeploy,
  DeployMemory,
  type ConfirmAction,
  type ConfirmResult,
  type DeploySsh,
  type DeployAction,
  type DeployResult,
  type SshReachOptions,
} from '../deploy';
import type { SecretStore } from './credential-prompts';
import type { Handlers } from './dispatch';
import { createSshService, type SshService, type SshServiceOptions } from './ssh-service';

/** `connector` and the known_hosts options are used when no `ssh` is given (see ssh-service.ts). */
export interface DeployHandlerOptions extends SshReachOptions, Pick<SshServiceOptions, 'sshConfig'> {
  /** Pushes an event to the UI (the web server's or the Electron window's `emit`); may be set after creation. */
  emit?: <E extends EventName>(event: E, payload: EventOf<E>) => void;
  /** Seconds a host-key question waits for an answer before counting as "refuse"; default 300. */
  promptTimeoutSeconds?: number;
  /** Encrypted store for secrets the user asked to remember (desktop: safeStorage); none = never remembered. */
  secretStore?: SecretStore;
  /** The app's shared SSH pool and prompts (see ssh-service.ts); default: a pool of this service's own. */
  ssh?: SshService;
}

type DeployMethods =
  | 'deploy.preview'
  | 'deploy.apply'
  | 'deploy.destroy'
  | 'deploy.cancel'
  | 'deploy.confirm'
  | 'deploy.revert'
  | 'hosts.confirmHostKey'
  | 'hosts.answerCredential'
  | 'hosts.resolveSsh';

function parseTopology(text: string): Topology {
  const parsed = parseTopologyText(text);
  if (!parsed.ok) throw new AppError('TOPOLOGY_INVALID', `The topology is not valid:\n${formatIssues(parsed.issues)}`);
  return parsed.topology;
}

export type DeployHandlers = Pick<Handlers, DeployMethods>;

/** The deploy handlers (see `createDeployService` for the variant that can be closed). */
export function createDeployHandlers(options: DeployHandlerOptions = {}): DeployHandlers {
  return createDeployService(options).handlers;
}

/**
 * The deploy handlers plus `close` (aborts runs, refuses open questions, closes the SSH pool).
 * `options.emit` is read at each event, so it can be wired after the server starts.
 */
export function createDeployService(options: DeployHandlerOptions = {}): { handlers: DeployHandlers; close(): Promise<void> } {
  const runs = new Map<string, AbortController>();
  const emit = <E extends EventName>(event: E, payload: EventOf<E>): void => options.emit?.(event, payload);
  // Shared with the health service when given (one pool for the app); else this service's own.
  const ssh = options.ssh ?? createSshService(options);
  const connection = (): DeploySsh => ssh.connection();
  // Which hosts each drawing was last left converged with: an unchanged re-apply then takes no lock.
  const memory = new DeployMemory();

  async function run(
    action: DeployAction,
    request: {
      topology: string;
      runId?: string | undefined;
      hostIds?: string[] | undefined;
      concurrency?: number | undefined;
      prune?: boolean | undefined;
      reviewed?: Record<string, string> | undefined;
      replaceForeign?: boolean | undefined;
      confirmWithin?: number | undefined;
    },
    dryRun: boolean,
  ): Promise<DeployResult> {
    const topology = parseTopology(request.topology);
    const runId = request.runId ?? randomUUID();
    if (runs.has(runId)) throw new AppError('BAD_REQUEST', `A run with id ${runId} is already going on.`, { runId });
    const controller = new AbortController();
    runs.set(runId, controller);
    const ended = ssh.beginRun();
    try {
      return await runDeploy({
        action,
        topology,
        runId,
        dryRun,
        // One step per round trip on the persistent shell: live per-step progress for the canvas,
        // and a cancel that stops before the very next step.
        stepByStep: true,
        connect: connection().connect,
        memory,
        signal: controller.signal,
        onProgress: (p) => emit('deploy.progress', p),
        ...(request.hostIds === undefined ? {} : { hostIds: request.hostIds }),
        ...(request.concurrency === undefined ? {} : { concurrency: request.concurrency }),
        prune: request.prune === true,
        replaceForeign: request.replaceForeign === true,
        // A preview is the review itself; apply and destroy hold to it when the client sent its digests.
        ...(dryRun || request.reviewed === undefined ? {} : { reviewed: request.reviewed }),
        ...(request.confirmWithin === undefined || dryRun ? {} : { confirmWithin: request.confirmWithin }),
      });
    } finally {
      runs.delete(runId);
      ended();
    }
  }

  /** Confirm and Revert now ask the hosts (the truth about what is armed), over the same pool as the apply. */
  async function confirmOrRevert(
    action: ConfirmAction,
    request: { topology: string; hostIds?: string[] | undefined },
  ): Promise<ConfirmResult> {
    const ended = ssh.beginRun();
    try {
      return await runConfirm({
        action,
        topology: parseTopology(request.topology),
        connect: connection().connect,
        ...(request.hostIds === undefined ? {} : { hostIds: request.hostIds }),
      });
    } finally {
      ended();
    }
  }

  const handlers: DeployHandlers = {
    'deploy.preview': (req) => run(req.action, req, true),
    'deploy.apply': (req) => run('apply', req, false),
    'deploy.destroy': (req) => run('destroy', req, false),
    'deploy.confirm': (req) => confirmOrRevert('confirm', req),
    'deploy.revert': (req) => confirmOrRevert('revert', req),
    'deploy.cancel': ({ runId }) => {
      const c = runs.get(runId);
      c?.abort();
      return Promise.resolve({ cancelled: c !== undefined });
    },
    ...ssh.handlers,
  };
  return {
    handlers,
    async close() {
      for (const c of runs.values()) c.abort();
      if (options.ssh === undefined) await ssh.close();
    },
  };
}
