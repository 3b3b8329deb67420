/**
 * What a lab host's network stack holds, read with iproute2 inside its namespace (never through the
 * tool under test), for tests that compare a host with a snapshot taken earlier (commit-confirmed
 * apply, persistence).
 */
import { nsRunOk } from './netns-exec';
import { labHost } from './lab';
import type { LabState } from './state';

/**
 * Drops what the kernel changes by itself: bridge timers, address lifetimes, an IPv6 address's
 * `tentative` flag while duplicate address detection runs (RFC 4862), learned FDB entries.
 */
function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>))
    if (!k.endsWith('_timer') && !k.endsWith('_life_time') && k !== 'tentative') out[k] = stable(v);
  return out;
}

/** A host's links, addresses and static FDB entries, read with iproute2 inside its namespace. */
export async function hostState(lab: LabState, host: string): Promise<unknown> {
  const ns = labHost(lab, host).namespace;
  const json = async (argv: string[]): Promise<unknown> => JSON.parse(await nsRunOk(ns, argv)) as unknown;
  const fdb = (await json(['bridge', '-j', 'fdb', 'show'])) as Array<{ state?: string; dst?: string }>;
  return stable({
    links: await json(['ip', '-d', '-j', 'link', 'show']),
    addresses: await json(['ip', '-j', 'addr', 'show']),
    // The kernel lists a device's FDB in hash order, which changes when an entry leaves and comes
    // back (an IPv6 solicited-node group after a link flaps), so entries are compared as a set.
    fdb: fdb
      .filter((e) => e.state === 'permanent' || e.dst !== undefined)
      .map((e) => stable(e))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  });
}

/** `hostState` of every host of the lab, by host name. */
export async function allStates(lab: LabState): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const h of lab.hosts) out[h.name] = await hostState(lab, h.name);
  return out;
}

/** Polls `check` every half second until it holds (`limitMs` at most); returns whether it did. */
export async function until(check: () => Promise<boolean>, limitMs: number): Promise<boolean> {
  const end = Date.now() + limitMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * The hosts' states once the kernel has settled after a change: IPv6 link-local addresses come (and
 * their solicited-node groups show in the bridge's FDB) only once a link has carrier, and leave
 * duplicate address detection a moment later, so a snapshot waits until two reads agree.
 */
export async function settledStates(lab: LabState): Promise<Record<string, unknown>> {
  let last = await allStates(lab);
  await until(async () => {
    await new Promise((r) => setTimeout(r, 1500));
    const now = await allStates(lab);
    const tentative = await Promise.all(
      lab.hosts.map(async (h) => (await nsRunOk(h.namespace, ['ip', '-j', 'addr', 'show'])).includes('"tentative"')),
    );
    const same = JSON.stringify(now) === JSON.stringify(last);
    last = now;
    return same && !tentative.includes(true);
  }, 30_000);
  return last;
}
