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
import { createDeploySsh, runDeploy, type DeploySsh, type DeployAction, type DeployResult } from '../deploy';
import type { LabState } from '../lab/state';
import type { HostKeyPrompt } from '../ssh';
import { createCredentialPrompts, type SecretStore } from './credential-prompts';
import type { Handlers } from './dispatch';

export interface DeployHandlerOptions {
  /** Pushes an event to the UI (the web server's or the Electron window's `emit`); may be set after creation. */
  emit?: <E extends EventName>(event: E, payload: EventOf<E>) => void;
  /** App known_hosts file; default ~/.config/vxlan-studio/known_hosts (or the lab's). */
  knownHostsFile?: string;
  /** Dial through this lab's controller namespace (the demo). */
  lab?: LabState;
  /** Seconds a host-key question waits for an answer before counting as "refuse"; default 300. */
  promptTimeoutSeconds?: number;
  /** Encrypted store for secrets the user asked to remember (desktop: safeStorage); none = never remembered. */
  secretStore?: SecretStore;
}

type DeployMethods = 'deploy.preview' | 'deploy.apply' | 'deploy.destroy' | 'deploy.cancel' | 'hosts.confirmHostKey' | 'hosts.answerCredential';

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
  const prompts = new Map<string, (accept: boolean) => void>();
  const emit = <E extends EventName>(event: E, payload: EventOf<E>): void => options.emit?.(event, payload);
  let ssh: DeploySsh | undefined;
  const credentialPrompts = createCredentialPrompts({
    emit,
    secretStore: options.secretStore,
    timeoutSeconds: options.promptTimeoutSeconds,
  });

  const confirmHostKey = (prompt: HostKeyPrompt): Promise<boolean> =>
    new Promise((resolve) => {
      const promptId = randomUUID();
      const timer = setTimeout(
        () => {
          prompts.delete(promptId);
          resolve(false);
        },
        (options.promptTimeoutSeconds ?? 300) * 1000,
      );
      prompts.set(promptId, (accept) => {
        clearTimeout(timer);
        prompts.delete(promptId);
        resolve(accept);
      });
      emit('hosts.hostKeyPrompt', {
        promptId,
        host: prompt.host,
        port: prompt.port,
        keyType: prompt.keyType,
        fingerprint: prompt.fingerprint,
      });
    });

  const connection = (): DeploySsh => {
    ssh ??= createDeploySsh({
      hostKeyPolicy: 'ask',
      confirmHostKey,
      credentials: credentialPrompts.credentials,
      log: (e) => credentialPrompts.onSshEvent(e),
      ...(options.knownHostsFile === undefined ? {} : { knownHostsFile: options.knownHostsFile }),
      ...(options.lab === undefined ? {} : { lab: options.lab }),
    });
    return ssh;
  };

  async function run(
    action: DeployAction,
    request: { topology: string; runId?: string | undefined; hostIds?: string[] | undefined; concurrency?: number | undefined },
    dryRun: boolean,
  ): Promise<DeployResult> {
    const topology = parseTopology(request.topology);
    const runId = request.runId ?? randomUUID();
    if (runs.has(runId)) throw new AppError('BAD_REQUEST', `A run with id ${runId} is already going on.`, { runId });
    const controller = new AbortController();
    runs.set(runId, controller);
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
        signal: controller.signal,
        onProgress: (p) => emit('deploy.progress', p),
        ...(request.hostIds === undefined ? {} : { hostIds: request.hostIds }),
        ...(request.concurrency === undefined ? {} : { concurrency: request.concurrency }),
      });
    } finally {
      runs.delete(runId);
    }
  }

  const handlers: DeployHandlers = {
    'deploy.preview': (req) => run(req.action, req, true),
    'deploy.apply': (req) => run('apply', req, false),
    'deploy.destroy': (req) => run('destroy', req, false),
    'deploy.cancel': ({ runId }) => {
      const c = runs.get(runId);
      c?.abort();
      return Promise.resolve({ cancelled: c !== undefined });
    },
    'hosts.confirmHostKey': ({ promptId, accept }) => {
      const answer = prompts.get(promptId);
      answer?.(accept);
      return Promise.resolve({ known: answer !== undefined });
    },
    'hosts.answerCredential': ({ promptId, secret, remember }) =>
      Promise.resolve({ accepted: credentialPrompts.answer(promptId, secret, remember) }),
  };
  return {
    handlers,
    async close() {
      for (const c of runs.values()) c.abort();
      for (const answer of prompts.values()) answer(false);
      credentialPrompts.cancelAll();
      await ssh?.close();
    },
  };
}
