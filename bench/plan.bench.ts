/**
 * `npm run bench:plan`: compile and diff times of plans for 10, 100 and 1,000 hosts x 4 segments.
 *
 * Main case (what our own MESH_TOO_LARGE warning advises at scale): every host in two multicast
 * segments, plus two unicast-mesh segments of at most 100 members each, with bridges and overlay
 * addresses. Target: 1,000 hosts compiled in under 200 ms on this 2-core machine.
 *
 * Worst case, printed apart and NOT held to the target: four unicast-mesh segments spanning every
 * host. Head-end replication needs N-1 flood entries per host per segment, so 1,000 hosts need
 * ~4 million FDB steps in all; that is the N-squared growth the warning is about.
 *
 * Figures are medians of several runs after two warm-up runs (wall clock, ms, garbage collection
 * included) with the heap the result keeps alive. Other
 * processes share the 2 cores, so the load average is printed with them.
 */
import { loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CURRENT_FORMAT, TopologySchema, type Topology, type TopologyInput } from '../shared/model';
import { emptyObserved, type ObservedHostState } from '../shared/observe';
import {
  compilePlan,
  desiredHostState,
  diffHost,
  indexTopology,
  desiredFromIndex,
  observedAfterApply,
  type DesiredHostState,
  type Plan,
} from '../shared/plan';
import { validateTopology } from '../shared/validate';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const TARGET_MS = 200;

type SegmentIn = NonNullable<TopologyInput['segments']>[number];
type MembershipIn = NonNullable<TopologyInput['memberships']>[number];

function underlay(i: number): string {
  // Hosts on /16s of 10.x so that 1,000 hosts stay unique and unicast.
  return `172.${16 + Math.floor(i / 62500)}.${Math.floor(i / 250) % 250}.${(i % 250) + 1}`;
}

function overlay(seg: number, i: number): string {
  return `10.${seg}.${Math.floor(i / 250)}.${(i % 250) + 1}/16`;
}

/** `hosts` hosts; segment kinds in order; a mesh spans at most `meshCap` hosts. */
function makeTopology(hosts: number, kinds: Array<'multicast' | 'unicast-mesh'>, meshCap: number): Topology {
  const hostList = Array.from({ length: hosts }, (_, i) => ({
    id: `h${i}`,
    name: `host-${i}`,
    ssh: { host: underlay(i) },
    underlay: { interface: 'eth0', address: underlay(i), mtu: 1500 },
    bridges: kinds.map((_, s) => `br${s}`),
  }));
  const segments: SegmentIn[] = kinds.map((mode, s) => ({
    id: `s${s}`,
    name: `seg-${s}`,
    vni: 1000 + s,
    flood: mode === 'multicast' ? { mode, group: `239.1.${s}.1`, ttl: 8 } : { mode },
    learning: mode === 'multicast',
    subnet: `10.${s}.0.0/16`,
  }));
  const memberships: MembershipIn[] = [];
  kinds.forEach((mode, s) => {
    const count = mode === 'unicast-mesh' ? Math.min(hosts, meshCap) : hosts;
    for (let i = 0; i < count; i++)
      memberships.push({ id: `m${s}-${i}`, hostId: `h${i}`, segmentId: `s${s}`, bridge: `br${s}`, address: overlay(s, i) });
  });
  return TopologySchema.parse({ format: CURRENT_FORMAT, id: 'bench', name: 'Bench', hosts: hostList, segments, memberships });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * Median wall time of `runs` runs of `fn` after two warm-up runs (JIT), and the heap its result
 * keeps alive (measured on one more run between forced collections).
 */
function measure<T>(runs: number, fn: () => T): { ms: number; firstMs: number; heapMb: number; result: T } {
  const t0 = performance.now();
  fn();
  const firstMs = performance.now() - t0;
  fn();
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  gc();
  const before = process.memoryUsage().heapUsed;
  const result = fn();
  gc();
  const heapMb = (process.memoryUsage().heapUsed - before) / 1024 / 1024;
  return { ms: median(times), firstMs, heapMb, result };
}

function stepCount(plan: Plan): number {
  return plan.hosts.reduce((n, h) => n + h.steps.length, 0);
}

const fmt = (ms: number): string => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1)).padStart(8);
const mb = (x: number): string => `${x.toFixed(1)} MB`.padStart(9);

function row(cells: string[]): void {
  console.log(cells.join('  '));
}

/** Host base state for the "converged" diff: loopback and the underlay. */
function base(i: number): ObservedHostState {
  return {
    links: [
      { name: 'lo', ifindex: 1, mtu: 65536, up: true },
      { name: 'eth0', ifindex: 2, mtu: 1500, up: true },
    ],
    addresses: [{ ifname: 'eth0', cidr: `${underlay(i)}/16`, family: 'inet', scope: 'global' }],
    fdb: [],
  };
}

function benchCase(
  label: string,
  t: Topology,
  runs: number,
): { compileMs: number; firstMs: number; heapMb: number; steps: number } {
  const compile = measure(runs, () => compilePlan(t));
  const plan = compile.result;
  const validate = measure(runs, () => validateTopology(t));
  const desired = measure(runs, () => {
    const ix = indexTopology(t);
    return t.hosts.map((h) => desiredFromIndex(ix, h.id));
  });
  const states: DesiredHostState[] = desired.result;
  const converged = states.map((d, i) => observedAfterApply(d, base(i)));
  const diffEmpty = measure(runs, () => states.map((d) => diffHost(d, emptyObserved()).steps.length));
  const diffConverged = measure(runs, () => states.map((d, i) => diffHost(d, converged[i] as ObservedHostState).steps.length));
  const leftover = diffConverged.result.reduce((a, b) => a + b, 0);
  row([
    label.padEnd(34),
    String(t.hosts.length).padStart(5),
    String(t.memberships.length).padStart(6),
    String(stepCount(plan)).padStart(9),
    fmt(compile.ms),
    mb(compile.heapMb),
    fmt(validate.ms),
    fmt(desired.ms),
    fmt(diffEmpty.ms),
    fmt(diffConverged.ms),
    leftover === 0 ? '   0 (converged)' : `   ${leftover} (NOT converged)`,
  ]);
  return { compileMs: compile.ms, firstMs: compile.firstMs, heapMb: compile.heapMb, steps: stepCount(plan) };
}

console.log(
  `VXLAN Studio plan benchmark (node ${process.version}, load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')})`,
);
console.log(
  'Times are medians in ms after 2 warm-up runs, GC included. compile = validateTopology + desired state + diff vs empty for every host (compilePlan).',
);
console.log('heap = what the compiled plan keeps alive. diff-conv = diff vs the state the plan leaves (must give 0 steps).\n');
row([
  'case'.padEnd(34),
  'hosts',
  'member',
  '    steps',
  ' compile',
  '     heap',
  'validate',
  ' desired',
  'diff-emp',
  'diff-conv',
  ' steps left',
]);

let main1000 = { compileMs: 0, firstMs: 0 };
for (const n of [10, 100, 1000]) {
  const r = benchCase(
    `main: 2 multicast + 2 mesh<=100`,
    makeTopology(n, ['multicast', 'multicast', 'unicast-mesh', 'unicast-mesh'], 100),
    11,
  );
  if (n === 1000) main1000 = r;
}
// Every host in all four segments (4,000 memberships at 1,000 hosts): only multicast scales like that.
const allIn1000 = benchCase(
  `every host in 4 multicast segments`,
  makeTopology(1000, ['multicast', 'multicast', 'multicast', 'multicast'], 0),
  11,
);
console.log('');
for (const [what, r] of [
  ['main case', main1000],
  ['every host in 4 segments', allIn1000],
] as const) {
  console.log(
    `target: 1,000 hosts x 4 segments (${what}) compiled in < ${TARGET_MS} ms -> median ${r.compileMs.toFixed(1)} ms, ${(r.compileMs / TARGET_MS).toFixed(2)}x the budget: ${r.compileMs < TARGET_MS ? 'MET' : 'NOT MET'} ` +
      `(first, less warmed-up run: ${r.firstMs.toFixed(1)} ms)`,
  );
}
console.log('');
console.log(
  'Worst case, not held to the target: 4 unicast-mesh segments spanning every host (N-1 FDB entries per host per segment).',
);
let bytesPerStep = 0;
for (const n of [10, 100, 300]) {
  const r = benchCase(
    `worst: 4 full meshes`,
    makeTopology(n, ['unicast-mesh', 'unicast-mesh', 'unicast-mesh', 'unicast-mesh'], n),
    n === 300 ? 3 : 5,
  );
  bytesPerStep = (r.heapMb * 1024 * 1024) / r.steps;
}

// 1,000 hosts in full meshes would hold ~4 million steps at once; measure one host's plan and scale.
const worst1000 = makeTopology(1000, ['unicast-mesh', 'unicast-mesh', 'unicast-mesh', 'unicast-mesh'], 1000);
const one = measure(5, () => {
  const ix = indexTopology(worst1000);
  return diffHost(desiredFromIndex(ix, 'h0'), emptyObserved()).steps.length;
});
const validateWorst = measure(3, () => validateTopology(worst1000));
const single = measure(5, () => desiredHostState(worst1000, 'h0'));
console.log(
  `worst: 1,000 hosts x 4 full meshes: one host's plan has ${one.result} steps (${single.result.fdb.length} FDB entries) in ${one.ms.toFixed(1)} ms; ` +
    `all 1,000 hosts ~ ${(one.result * 1000).toLocaleString('en')} steps, est. ${((one.ms * 1000) / 1000).toFixed(1)} s plus validateTopology ${validateWorst.ms.toFixed(0)} ms ` +
    `(estimated from one host, not run: at ${bytesPerStep.toFixed(0)} bytes per step the plan alone would hold ~${((bytesPerStep * one.result * 1000) / 1024 ** 3).toFixed(1)} GB).`,
);
console.log('');
console.log(
  'No naive baseline: a shell loop that prints the same lines neither validates, nor reads state, nor diffs, so its time says nothing about ours.',
);
