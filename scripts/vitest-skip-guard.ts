/**
 * Vitest reporter that applies scripts/skip-policy.ts: after the run it lists every test whose
 * state is skipped (skip, todo, skipIf, a `describe.skip` chosen at load time, `ctx.skip()`) or
 * pending (never ran), and in CI fails the run when any is not allowed. Vitest leaves a failed
 * run's exit code to process.exitCode, and sets it before calling onTestRunEnd, so setting it here
 * only ever turns a green run red.
 */
import type { Reporter, TestModule, Vitest } from 'vitest/node';
import { judgeSkips, projectPath, skipsFailRun, type SkippedTest } from './skip-policy';

export default class VitestSkipGuard implements Reporter {
  private root = process.cwd();

  onInit(vitest: Vitest): void {
    this.root = vitest.config.root;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const skipped: SkippedTest[] = [];
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state !== 'skipped' && result.state !== 'pending') continue;
        skipped.push({
          file: projectPath(this.root, module.moduleId),
          name: test.fullName,
          reason: result.state === 'skipped' ? result.note : undefined,
        });
      }
    }
    const verdict = judgeSkips('vitest', skipped, skipsFailRun(), { isRoot: process.getuid?.() === 0 });
    for (const line of verdict.lines) process.stdout.write(`${line}\n`);
    if (!verdict.ok) process.exitCode = 1;
  }
}
