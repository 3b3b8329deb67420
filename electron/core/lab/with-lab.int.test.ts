/**
 * withLab tears its lab down when the process is interrupted: a benchmark stopped with Ctrl+C while
 * its lab was up used to leave every namespace (and its sshd) behind.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { labDown } from './lab';
import { listNamespaces } from './netns';
import { isRoot } from './preflight';
import { labPrefix } from './spec';
import { randomLabName } from './with-lab';

const root = isRoot();
if (!root) console.log('with-lab.int.test.ts skipped: the netns lab needs root (run the integration tests with sudo)');
const suite = root ? describe : describe.skip;
const here = path.dirname(fileURLToPath(import.meta.url));

suite('withLab on a signal', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    'tears the lab down on %s and exits like a shell reports it',
    async (signal) => {
      const name = randomLabName('sig');
      const script = [
        `import { withLab } from ${JSON.stringify(path.join(here, 'with-lab.ts'))};`,
        `await withLab({ hosts: 2, name: ${JSON.stringify(name)} }, async () => {`,
        "  console.log('UP');",
        '  await new Promise(() => setInterval(() => undefined, 1000));',
        '});',
      ].join('\n');
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      try {
        await new Promise<void>((resolve, reject) => {
          child.stdout.setEncoding('utf8').on('data', (d: string) => d.includes('UP') && resolve());
          child.on('exit', (code) => reject(new Error(`exited ${code} before the lab was up: ${stderr}`)));
        });
        const up = (await listNamespaces()).filter((n) => n.startsWith(labPrefix(name)));
        expect(up.length).toBe(4); // router, controller, h1, h2
        const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
        child.kill(signal);
        expect(await exited).toBe(signal === 'SIGINT' ? 130 : 143);
        expect((await listNamespaces()).filter((n) => n.startsWith(labPrefix(name)))).toEqual([]);
      } finally {
        child.kill('SIGKILL');
        await labDown(name);
      }
    },
    120_000,
  );
});
