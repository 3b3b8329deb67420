/**
 * Backend handlers of the health methods (`health.start|stop|pause|resume|snapshot|applyFix`): one
 * poller at a time over its own SSH pool (host keys are only read here, never accepted: an unknown
 * key shows as an unreachable host until a deploy has trusted it), rounds streamed as
 * `health.changed` events when something changed, and fixes applied through the deploy runner.
 */
import type { EventName, EventOf } from '../../../shared/api/contract';
import type { Finding } from '../../../shared/diagnose/types';
import { AppError } from '../../../shared/errors/catalogue';
import { formatIssues, parseTopologyText, type Topology } from '../../../shared/model';
import { createDeploySsh, type DeploySsh } from '../deploy/ssh-setup';
import { applyFindingFix, HealthPoller, sshHealthTransport, findingId } from '../health';
import type { LabState } from '../lab/state';
import type { SshCredentials } from '../ssh';
import type { Handlers } from './dispatch';

export interface HealthHandlerOptions {
  /** Pushes an event to the UI; read at each event, so it may be set after creation. */
  emit?: <E extends EventName>(event: E, payload: EventOf<E>) => void;
  /** App known_hosts file (the one deploys append to); default ~/.config/vxlan-studio/known_hosts (or the lab's). */
  knownHostsFile?: string;
  /** Dial through this lab's controller namespace. */
  lab?: LabState;
  /** Per-host poll timeout in ms; default 5000. */
  pollTimeoutMs?: number;
  /**
   * Password/passphrase callbacks for the poller's pool (e.g. a deploy service's prompts). Without
   * them an encrypted key or a password host shows as unreachable with SSH_AUTH_FAILED.
   */
  credentials?: SshCredentials;
}

type HealthMethods = 'health.start' | 'health.stop' | 'health.pause' | 'health.resume' | 'health.snapshot' | 'health.applyFix';
export type HealthHandlers = Pick<Handlers, HealthMethods>;

function parseTopology(text: string): Topology {
  const parsed = parseTopologyText(text);
  if (!parsed.ok) throw new AppError('TOPOLOGY_INVALID', `The topology is not valid:\n${formatIssues(parsed.issues)}`);
  return parsed.topology;
}

/** The health handlers plus `close` (stops the poller and closes its SSH pool). */
export function createHealthService(options: HealthHandlerOptions = {}): { handlers: HealthHandlers; close(): Promise<void> } {
  let ssh: DeploySsh | undefined;
  let poller: HealthPoller | undefined;
  let topology: Topology | undefined;
  let findings: Finding[] = [];

  const connection = (): DeploySsh => {
    ssh ??= createDeploySsh({
      hostKeyPolicy: 'refuse',
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
      ...(options.knownHostsFile === undefined ? {} : { knownHostsFile: options.knownHostsFile }),
      ...(options.lab === undefined ? {} : { lab: options.lab }),
    });
    return ssh;
  };

  const stop = async (): Promise<boolean> => {
    const p = poller;
    poller = undefined;
    if (!p) return false;
    await p.stop();
    return true;
  };

  const need = (): HealthPoller => {
    if (!poller) throw new AppError('BAD_REQUEST', 'Health polling is not running; call health.start first.');
    return poller;
  };

  const handlers: HealthHandlers = {
    'health.start': async ({ topology: text, intervalMs }) => {
      const t = parseTopology(text);
      await stop();
      topology = t;
      findings = [];
      const p = new HealthPoller({
        topology: t,
        transport: sshHealthTransport(connection().pool),
        ...(intervalMs === undefined ? {} : { intervalMs }),
        ...(options.pollTimeoutMs === undefined ? {} : { pollTimeoutMs: options.pollTimeoutMs }),
        onChange: (view) => options.emit?.('health.changed', view),
        onRound: (r) => {
          findings = r.findings;
        },
      });
      poller = p;
      p.start();
      return { pollId: p.pollId };
    },
    'health.stop': async () => ({ stopped: await stop() }),
    'health.pause': async () => {
      await need().pause();
      return { paused: true };
    },
    'health.resume': () => {
      need().resume();
      return Promise.resolve({ paused: false });
    },
    'health.snapshot': async ({ now }) => {
      const p = need();
      if (now) return (await p.runRound()).view;
      return p.latest() ?? null;
    },
    'health.applyFix': async ({ findingId: id }) => {
      const p = need();
      const t = topology;
      const finding = findings.find((f) => findingId(f) === id);
      if (!t || !finding) throw new AppError('BAD_REQUEST', `No current finding has id ${id}; it may have cleared in the last round.`, { findingId: id });
      const result = await applyFindingFix(t, finding, connection().connect);
      if (result.topologyValue) {
        topology = result.topologyValue;
        p.setTopology(result.topologyValue);
      }
      // Show the effect at once instead of at the next interval.
      void p.runRound().catch(() => undefined);
      const { topologyValue: _unused, ...response } = result;
      return response;
    },
  };
  return {
    handlers,
    async close() {
      await stop();
      await ssh?.close();
    },
  };
}

export function createHealthHandlers(options: HealthHandlerOptions = {}): HealthHandlers {
  return createHealthService(options).handlers;
}
