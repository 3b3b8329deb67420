/**
 * Playwright reporter that applies scripts/skip-policy.ts: at the end of the run it lists every
 * test whose outcome is skipped (`test.skip(cond, reason)`, fixme, or never run) and in CI turns
 * the run's status to failed when any is not allowed. The reason is the test's "skip" annotation,
 * which Playwright records from `test.skip(condition, description)`.
 */
import type { FullConfig, FullResult, Reporter, Suite, TestCase } from '@playwright/test/reporter';
import path from 'node:path';
import { judgeSkips, projectPath, skipsFailRun, type SkippedTest } from './skip-policy';

function skipReason(test: TestCase): string | undefined {
  const annotations = [...test.annotations, ...test.results.flatMap((r) => r.annotations)];
  return annotations.find((a) => (a.type === 'skip' || a.type === 'fixme') && a.description !== undefined)?.description;
}

/** Describe titles and the test title, outermost first (no project or file name). */
function testName(test: TestCase): string {
  const titles = [test.title];
  for (let s: Suite | undefined = test.parent; s !== undefined && s.type === 'describe'; s = s.parent) titles.unshift(s.title);
  return titles.join(' > ');
}

export default class PlaywrightSkipGuard implements Reporter {
  private suite: Suite | undefined;
  private root = process.cwd();

  onBegin(config: FullConfig, suite: Suite): void {
    this.suite = suite;
    // Paths are judged relative to the folder of playwright.config.ts, the project root.
    if (config.configFile !== undefined) this.root = path.dirname(config.configFile);
  }

  onEnd(result: FullResult): Promise<{ status: FullResult['status'] } | undefined> {
    const skipped: SkippedTest[] = (this.suite?.allTests() ?? [])
      .filter((t) => t.outcome() === 'skipped')
      .map((t) => ({ file: projectPath(this.root, t.location.file), name: testName(t), reason: skipReason(t) }));
    const verdict = judgeSkips('playwright', skipped, skipsFailRun(), { isRoot: process.getuid?.() === 0 });
    for (const line of verdict.lines) process.stdout.write(`${line}\n`);
    // Playwright takes a changed status only from a promise.
    return Promise.resolve(verdict.ok || result.status !== 'passed' ? undefined : { status: 'failed' });
  }

  printsToStdio(): boolean {
    return false;
  }
}
