/**
 * Every `@example` in commands.ts is run and must emit exactly the line its comment shows, so the
 * documentation of the builders can never drift from what they do.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as commands from './commands';
import { argvToShell } from './shell';

const SOURCE = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'commands.ts'), 'utf8');

/** `call` and the documented line of each example: `fn(...).argv // line` or `fn(...)` then `// line` on the next line. */
function examples(): Array<{ call: string; line: string }> {
  const out: Array<{ call: string; line: string }> = [];
  const re = /^ \* ((\w+)\(.*\))(?:\.argv)?(?: \/\/ (.+)|\n \* \/\/ (.+))$/gm;
  for (const m of SOURCE.matchAll(re)) out.push({ call: m[1] as string, line: (m[3] ?? m[4]) as string });
  return out;
}

function run(call: string): string[] {
  // The call text is our own source; evaluating it with the builders in scope is the point.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const evaluate = new Function('c', `with (c) { return ${call}; }`) as (c: typeof commands) => string[] | { argv: string[] };
  const result = evaluate(commands);
  return Array.isArray(result) ? result : result.argv;
}

describe('builder documentation', () => {
  it('gives every builder an example', () => {
    const documented = new Set(examples().map((e) => e.call.slice(0, e.call.indexOf('('))));
    const builders = Object.entries(commands)
      .filter(([name, v]) => typeof v === 'function' && name !== 'isPlainDeviceName')
      .map(([name]) => name);
    expect(builders.length).toBeGreaterThanOrEqual(14);
    for (const b of builders) expect(documented, b).toContain(b);
  });

  it.each(examples())('$call emits exactly "$line"', ({ call, line }) => {
    expect(argvToShell(run(call))).toBe(line);
  });
});

describe('isPlainDeviceName', () => {
  it('keeps ordinary names bare and sends keyword-like names through dev/name', () => {
    for (const plain of ['vxlan100', 'br-overlay', 'eth0', 'tap0', 'br0', 'Overlay'])
      expect(commands.isPlainDeviceName(plain), plain).toBe(true);
    for (const risky of ['up', 'br', 'a', 'help', 'dev', 'mast', 'overlay', 'link-netns'])
      expect(commands.isPlainDeviceName(risky), risky).toBe(false);
  });
});
