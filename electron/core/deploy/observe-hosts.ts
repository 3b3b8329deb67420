/**
 * Read-only observe of hosts that are not (yet) in a drawing, for import: the deploy's own round
 * trip 1 (`prepareScript`: tool check, SSH path, `OBSERVE_COMMANDS`) without the lock, over the
 * same connector, so import reaches and reads hosts exactly as status and apply do.
 */
import { randomBytes } from 'node:crypto';
import type { AppErrorData } from '../../../shared/errors/catalogue';
import { importDrawing, type ImportHostInput, type ImportResult, type ImportTarget } from '../../../shared/import';
import { HostSchema, type Host } from '../../../shared/model';
import type { ObservedHostState } from '../../../shared/observe';
import type { HostFacts } from '../../../shared/plan';
import { newNonce } from '../ssh/remote-script';
import { factsFrom, parsePrepare, prepareError, prepareScript } from './scripts';
import { sessionError } from './steps';
import type { HostConnector } from './types';

/** What one host answered: its state and facts, or why it could not be read. */
export type ObservedHost =
  { host: Host; ok: true; observed: ObservedHostState; facts: HostFacts } | { host: Host; ok: false; error: AppErrorData };

/** Hosts at once; each mostly waits on the network (see the CLI's concurrency note). */
const OBSERVE_CONCURRENCY = 16;
const OBSERVE_TIMEOUT_MS = 60_000;

async function observeOne(connect: HostConnector, host: Host, signal?: AbortSignal): Promise<ObservedHost> {
  let exec;
  try {
    exec = await connect(host, signal);
  } catch (err) {
    return { host, ok: false, error: sessionError(err, host.name) };
  }
  try {
    const m = newNonce();
    // The id only names a lock, and this script takes none; sudo is not needed to read.
    const r = await exec.run(prepareScript({ topologyId: 'import', lock: false, peers: [], sudo: false }, m), {
      timeoutMs: OBSERVE_TIMEOUT_MS,
      retryOnStaleConnection: true,
      ...(signal === undefined ? {} : { signal }),
    });
    const prep = parsePrepare(r.stdout, r.stderr, m, host.name);
    const early = prepareError(prep, host, false, r.stderr);
    if (early) return { host, ok: false, error: early };
    return { host, ok: true, observed: prep.observed as ObservedHostState, facts: factsFrom(prep) };
  } catch (err) {
    return { host, ok: false, error: sessionError(err, host.name) };
  } finally {
    await exec.release();
  }
}

/**
 * Connects to every host and reads its links, addresses and FDB; changes nothing and takes no
 * lock. Never rejects for a host: each one gets a result, in the order given.
 */
export async function observeHosts(
  connect: HostConnector,
  hosts: readonly Host[],
  signal?: AbortSignal,
): Promise<ObservedHost[]> {
  const out = new Array<ObservedHost>(hosts.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < hosts.length) {
      const i = next++;
      out[i] = await observeOne(connect, hosts[i] as Host, signal);
    }
  };
  await Promise.all(Array.from({ length: Math.min(OBSERVE_CONCURRENCY, hosts.length) }, worker));
  return out;
}

/** A host that could not be read, by the name it was given. */
export interface UnreadHost {
  name: string;
  error: AppErrorData;
}

/** The drawing of the hosts that answered, and the hosts that did not. */
export interface HostsImport {
  /** Undefined when no host answered. */
  result?: ImportResult;
  unread: UnreadHost[];
}

/** A fresh drawing id for an import, `imported-<8 hex>` (a mark on the devices wins over it). */
export function newImportId(): string {
  return `imported-${randomBytes(4).toString('hex')}`;
}

/**
 * Import from hosts: observe each target read-only, then build the drawing of those that answered
 * (`importDrawing`). The targets' SSH settings go into the drawing as given.
 */
export async function importFromHosts(
  targets: readonly ImportTarget[],
  connect: HostConnector,
  opts: { id?: string; name?: string; signal?: AbortSignal } = {},
): Promise<HostsImport> {
  const used = new Set<string>();
  const hosts = targets.map((t, i) => {
    // Only a handle for the connector: importDrawing makes the drawing's own ids.
    let id = `target-${i + 1}`;
    while (used.has(id)) id = `${id}-x`;
    used.add(id);
    return HostSchema.parse({ id, name: t.name.slice(0, 64), ssh: t.ssh, sudo: t.sudo });
  });
  const seen = await observeHosts(connect, hosts, opts.signal);
  const inputs: ImportHostInput[] = [];
  const unread: UnreadHost[] = [];
  seen.forEach((s, i) => {
    const t = targets[i] as ImportTarget;
    if (s.ok) inputs.push({ name: t.name, ssh: t.ssh, sudo: t.sudo, observed: s.observed, facts: s.facts });
    else unread.push({ name: t.name, error: s.error });
  });
  if (inputs.length === 0) return { unread };
  const result = importDrawing(inputs, { id: opts.id ?? newImportId(), ...(opts.name === undefined ? {} : { name: opts.name }) });
  return { result, unread };
}
