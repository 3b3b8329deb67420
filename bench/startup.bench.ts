/**
 * `npm run bench:startup`: how long a user waits for the built CLI, from process start to exit,
 * against a bare `node -e 0` (node's own start, which no CLI can beat). Targets: `vxlan-studio
 * --help` within 2x `node -e 0`; `validate` of the textbook example under 150 ms.
 *
 * Each row is the best of N runs (default 15, `--runs N`), the cases taking turns so that a burst
 * of load on the shared 2 cores hits them alike; the load average is printed with the figures.
 * `bin/vxlan-studio.cjs` is what a user runs (`npx vxlan-studio`, its check that the build is current
 * included); `dist/cli/quick.cjs`, the build's entry for both commands, is the build alone, so the
 * difference is what that check costs.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TEXTBOOK = 'examples/textbook.vxlan.json';
const VALIDATE_TARGET_MS = 150;
const HELP_TARGET_X = 2;

function runsOption(): number {
  const i = process.argv.indexOf('--runs');
  if (i === -1) return 15;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--runs takes a whole number of at least 1, got "${process.argv[i + 1]}"`);
  return n;
}

const CASES: Array<{ label: string; args: string[] }> = [
  { label: 'node -e 0', args: ['-e', '0'] },
  { label: 'vxlan-studio --help', args: ['bin/vxlan-studio.cjs', '--help'] },
  { label: `vxlan-studio validate ${TEXTBOOK}`, args: ['bin/vxlan-studio.cjs', 'validate', TEXTBOOK] },
  { label: '  (dist/cli alone) --help', args: ['dist/cli/quick.cjs', '--help'] },
  { label: '  (dist/cli alone) validate', args: ['dist/cli/quick.cjs', 'validate', TEXTBOOK] },
];

/** Wall time of one run in ms; throws with its output when it fails, so a broken build is never timed. */
function timeOnce(args: string[]): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0 || r.stderr !== '') {
    throw new Error(`node ${args.join(' ')} exited ${String(r.status)}: ${r.stderr}${r.stdout}`);
  }
  return ms;
}

function main(): void {
  const runs = runsOption();
  // Untimed runs first: they rebuild the CLI when the sources changed and write validate's V8 code
  // cache (dist/cli/quick-*.cjs.cache) when it has none, neither of which a start-up pays again.
  for (const args of [['--help'], ['validate', TEXTBOOK]]) {
    const r = spawnSync(process.execPath, ['bin/vxlan-studio.cjs', ...args], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`vxlan-studio ${args.join(' ')} exited ${String(r.status)}: ${r.stderr}${r.stdout}`);
  }
  const best = CASES.map(() => Infinity);
  for (let i = 0; i < runs; i++) {
    CASES.forEach((c, n) => {
      best[n] = Math.min(best[n] ?? Infinity, timeOnce(c.args));
    });
  }
  const node = best[0] ?? Infinity;
  const help = best[1] ?? Infinity;
  const validate = best[2] ?? Infinity;
  console.log(`Start-up, best of ${runs} (wall clock from spawn to exit):`);
  CASES.forEach((c, n) => {
    const ms = best[n] ?? Infinity;
    console.log(`  ${c.label.padEnd(52)} ${ms.toFixed(0).padStart(5)} ms  ${(ms / node).toFixed(2)}x node -e 0`);
  });
  console.log(
    `  --help ${(help / node).toFixed(2)}x node -e 0 (target ${HELP_TARGET_X}x: ${help <= HELP_TARGET_X * node ? 'met' : 'NOT met'}); ` +
      `validate ${validate.toFixed(0)} ms (target ${VALIDATE_TARGET_MS} ms: ${validate < VALIDATE_TARGET_MS ? 'met' : 'NOT met'})`,
  );
  console.log(
    `  load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

main();
