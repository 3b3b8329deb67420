/**
 * The rule both test runners enforce (through scripts/vitest-skip-guard.ts and
 * scripts/playwright-skip-guard.ts): in CI a skipped test is a failure, never green, because about
 * 120 integration tests and the lab e2e tests skip themselves when not run as root and a green run
 * would then claim what it never checked. The one exception is the Electron spec, which needs
 * Electron's own binary (downloaded by its postinstall, impossible offline) and a display, and
 * says why it skips.
 */
import path from 'node:path';

/** A test the runner reported as skipped (skip, todo, skipIf, or never run). */
export interface SkippedTest {
  /** Path relative to the project root, with "/" separators. */
  file: string;
  /** Suite and test titles, outermost first, joined with " > ". */
  name: string;
  /** The reason the test gave, if any (`test.skip(cond, reason)`, `ctx.skip(note)`). */
  reason?: string | undefined;
}

/** A file whose skips CI accepts, with why. */
export interface AllowedSkip {
  file: string;
  why: string;
}

/** The only tests allowed to skip in CI; each must also state its reason when it skips. */
export const ALLOWED_SKIPS: readonly AllowedSkip[] = [
  { file: 'e2e/electron.spec.ts', why: "needs Electron's binary (its download needs network) and a display" },
];

/**
 * Whether skips fail the run: whenever CI is set (GitHub Actions and `.ci/run` set CI=true), as for
 * Playwright's forbidOnly. "false" and "0" count as unset, so a developer can turn it off explicitly.
 */
export function skipsFailRun(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env['CI'];
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

/** `file` relative to `root` with "/" separators, the form ALLOWED_SKIPS uses. */
export function projectPath(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}

/** Whether CI accepts this skip: an allow-listed file, and a stated reason. */
export function isAllowedSkip(test: SkippedTest, allowed: readonly AllowedSkip[] = ALLOWED_SKIPS): boolean {
  return allowed.some((a) => a.file === test.file) && test.reason !== undefined && test.reason.trim() !== '';
}

export interface SkipVerdict {
  /** False when the run must fail. */
  ok: boolean;
  /** What to print, one line each. */
  lines: string[];
}

/**
 * Judges a run's skipped tests. Every forbidden skip is named with its file so the log says what
 * did not run; allowed skips are printed with their reason, so they never pass silently.
 */
export function judgeSkips(
  runner: string,
  skipped: readonly SkippedTest[],
  enforce: boolean,
  opts: { allowed?: readonly AllowedSkip[]; isRoot?: boolean } = {},
): SkipVerdict {
  const allowed = opts.allowed ?? ALLOWED_SKIPS;
  const accepted = skipped.filter((t) => isAllowedSkip(t, allowed));
  const forbidden = skipped.filter((t) => !isAllowedSkip(t, allowed));
  const describe = (t: SkippedTest): string => `  ${t.file} > ${t.name}${t.reason ? ` (${t.reason})` : ''}`;
  const lines: string[] = [];
  if (accepted.length > 0) {
    lines.push(`skip check (${runner}): ${accepted.length} allowed skip(s):`, ...accepted.map(describe));
  }
  if (forbidden.length === 0) return { ok: true, lines };
  if (!enforce) {
    const files = new Set(forbidden.map((t) => t.file)).size;
    lines.push(
      `skip check (${runner}): ${forbidden.length} test(s) in ${files} file(s) skipped; allowed outside CI, with CI=true they fail the run.`,
    );
    return { ok: true, lines };
  }
  lines.push(
    `skip check (${runner}): FAILED: ${forbidden.length} test(s) skipped; in CI a skipped test is a failure:`,
    ...forbidden.map(describe),
  );
  if (opts.isRoot === false) lines.push('skip check: this run is not root, so the lab tests skipped; CI runs as root (.ci/run).');
  lines.push(`skip check: only ${allowed.map((a) => a.file).join(', ')} may skip (with a reason).`);
  return { ok: false, lines };
}
