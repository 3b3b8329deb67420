/**
 * Backend handlers of the health methods (`health.start|stop|pause|resume|update|snapshot|applyFix`): one
 * poller at a time over the app's SSH pool (ssh-service.ts, shared with deploy: the same connection,
 * shell, host-key and password questions), rounds streamed as `health.changed` events when
 * something changed, and fixes applied through the deploy runner. The poller pauses while a deploy
 * runs and resumes after it (unless the user paused it).
 */
import type { EventName, EventOf } from '../../../shared/api/contract';
import type { Finding } from '../../../shared/diagnose/types';
import { AppError } from '../../../shared/errors/catalogue';
import { formatIssues, parseTopologyText, type Topology } from '../../../shared/model';
import type { DeploySsh, SshReachOptions } from '../deploy/ssh-setup';
import { applyFindingFix, HealthPoller, sshHealthTransport, findingId } from '../health';
import type { Handlers } from './dispatch';
import { createSshService, type SshService } from './ssh-service';

/** `connector` and the known_hosts options are used when no `ssh` is given (see ssh-service.ts). */
export interface HealthHandlerOptions extends SshReachOptions {
  /** Pushes an event to the UI; read at each event, so it may be set after creation. */
  emit?: <E extends EventName>(event: E, payload: EventOf<E>) => void;
  /** Per-host poll timeout in ms; default 5000. */
  pollTimeoutMs?: number;
  /** Seconds a host-key or password question waits; default 300 (used when no `ssh` is given). */
  promptTimeoutSeconds?: number;
  /** The app's shared SSH pool and prompts; default: a pool of this service's own. */
  ssh?: SshService;
}

type HealthMethods =
  'health.start' | 'health.stop' | 'health.pause' | 'health.resume' | 'health.update' | 'health.snapshot' | 'health.applyFix';
export type HealthHandlers = Pick<Handlers, HealthMethods>;

function parseTopology(text: string): Topology {
  const parsed = parseTopologyText(text);
  if (!parsed.ok) throw new AppError('TOPOLOGY_INVALID', `The topology is not valid:\n${formatIssues(parsed.issues)}`);
  return parsed.topology;
}

/** The health handlers plus `close` (stops the poller and closes its SSH pool). */
export interface HealthService {
  handlers: HealthHandlers;
  /** Whether a poller runs and whether it is paused (by the user or by a running deploy). */
  state(): { polling: boolean; paused: boolean; deploying: boolean };
  close(): Promise<void>;
}

export function createHealthService(options: HealthHandlerOptions = {}): HealthService {
  const ssh = options.ssh ?? createSshService(options);
  let poller: HealthPoller | undefined;
  let topology: Topology | undefined;
  let findings: Finding[] = [];
  /** Paused by `health.pause` (a deploy's end must not resume it) or by a running deploy. */
  let userPaused = false;
  let deploying = false;
  const connection = (): DeploySsh => ssh.connection();
  const unsubscribe = ssh.onDeploying((now) => {
    deploying = now;
    const p = poller;
    if (!p) return;
    if (now) void p.pause();
    else if (!userPaused) p.resume();
  });

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
      userPaused = false;
      p.start();
      if (deploying) void p.pause();
      return { pollId: p.pollId };
    },
    'health.stop': async () => ({ stopped: await stop() }),
    'health.pause': async () => {
      userPaused = true;
      await need().pause();
      return { paused: true };
    },
    'health.resume': () => {
      const p = need();
      userPaused = false;
      // While a deploy runs the poller stays paused; it resumes when the deploy ends.
      if (!deploying) p.resume();
      return Promise.resolve({ paused: false });
    },
    'health.update': ({ topology: text }) => {
      const t = parseTopology(text);
      const p = need();
      topology = t;
      p.setTopology(t);
      // Measure the edit now rather than after the (possibly long, quiet) interval; a paused poller
      // measures it when resumed, since its first round after resume uses the new drawing.
      if (!p.isPaused()) void p.runRound().catch(() => undefined);
      return Promise.resolve({ pollId: p.pollId });
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
      if (!t || !finding)
        throw new AppError('BAD_REQUEST', `No current finding has id ${id}; it may have cleared in the last round.`, {
          findingId: id,
        });
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
    state: () => ({ polling: poller !== undefined, paused: poller?.isPaused() ?? false, deploying }),
    async close() {
      unsubscribe();
      await stop();
      if (options.ssh === undefined) await ssh.close();
    },
  };
}

export function createHealthHandlers(options: HealthHandlerOptions = {}): HealthHandlers {
  return createHealthService(options).handlers;
}
