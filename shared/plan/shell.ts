/**
 * The ONE place where argv becomes shell text, so quoting is decided once for every command built
 * from validated values. Everything that reaches a remote shell (the deploy runner over SSH,
 * exported scripts) goes through `argvToShell`.
 */
import type { Guard, HostPlan, Step } from './types';
import { CONTROL_CHARACTER } from '../validate/text';

/** Every control character validation refuses in names (one definition for both). */
const CONTROL_CHARACTERS = new RegExp(CONTROL_CHARACTER.source, 'g');

/**
 * Tokens that need no quotes in a POSIX shell: no whitespace, globbing, expansion, redirection,
 * comment, tilde or assignment characters. `=` is left out so that a first word is never read as
 * a variable assignment.
 */
const PLAIN_TOKEN = /^[A-Za-z0-9_@%+:,./-]+$/;

/** Words a shell reads as syntax when they come first (POSIX 2.4 reserved words, plus common extensions). */
const RESERVED_WORDS = new Set([
  '!',
  '{',
  '}',
  'case',
  'do',
  'done',
  'elif',
  'else',
  'esac',
  'fi',
  'for',
  'if',
  'in',
  'then',
  'until',
  'while',
  'function',
  'select',
  'time',
  '[[',
  ']]',
]);

/**
 * Quotes one argument for a POSIX shell: unchanged when plainly safe, else in single quotes with
 * each `'` written as `'\''` (inside single quotes nothing is special, POSIX 2.2.2).
 *
 * @throws Error when the argument holds a NUL byte: no argv element can carry one, so it would be cut short.
 * @example
 * quoteShellArg('vxlan100')  // vxlan100
 * quoteShellArg("it's")      // 'it'\''s'
 * quoteShellArg('')          // ''
 */
export function quoteShellArg(arg: string): string {
  if (arg.includes('\0'))
    throw new Error(`argument ${JSON.stringify(arg)} contains a NUL byte, which no command argument can hold`);
  if (PLAIN_TOKEN.test(arg) && !RESERVED_WORDS.has(arg)) return arg;
  return `'${arg.replaceAll("'", "'\\''")}'`;
}

/**
 * Turns argv into one shell command line whose words, after the remote shell has parsed them, are
 * exactly `argv` (one word per element, nothing expanded, nothing run).
 *
 * @throws Error when argv is empty or an element contains a NUL byte.
 * @example
 * argvToShell(['ip', 'link', 'set', 'vxlan100', 'alias', 'vxlan-studio:textbook'])
 * // ip link set vxlan100 alias vxlan-studio:textbook
 * argvToShell(['echo', 'a b', '$(x)'])
 * // echo 'a b' '$(x)'
 */
export function argvToShell(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('cannot quote an empty command');
  return argv.map(quoteShellArg).join(' ');
}

/**
 * Makes free text safe for a `#` comment line: a newline would end the comment and let the rest run
 * as a command, so control characters and Unicode line separators become `?`.
 */
export function shellComment(text: string): string {
  return `# ${text.replace(CONTROL_CHARACTERS, '?')}`.trimEnd();
}

function guardTest(g: Guard): string {
  switch (g.kind) {
    case 'owned':
      return `[ "$(cat ${quoteShellArg(`/sys/class/net/${g.ifname}/ifalias`)} 2>/dev/null)" = ${quoteShellArg(g.alias)} ]`;
    case 'port-of':
      return `[ -e ${quoteShellArg(`/sys/class/net/${g.master}/brif/${g.ifname}`)} ]`;
  }
}

/**
 * One script line for a step: the quoted command, wrapped in `if ...; then ...; fi` when guarded.
 *
 * @example
 * stepLine({ argv: ['ip', 'link', 'del', 'vxlan100'], guards: [{ kind: 'owned', ifname: 'vxlan100', alias: 'vxlan-studio:t' }], ... })
 * // if [ "$(cat /sys/class/net/vxlan100/ifalias 2>/dev/null)" = vxlan-studio:t ]; then ip link del vxlan100; fi
 */
export function stepLine(step: Step, opts: { sudo?: boolean } = {}): string {
  const command = argvToShell(opts.sudo === true ? ['sudo', '-n', ...step.argv] : step.argv);
  if (step.guards === undefined || step.guards.length === 0) return command;
  return `if ${step.guards.map(guardTest).join(' && ')}; then ${command}; fi`;
}

/** Options of `hostScript`. */
export interface HostScriptOptions {
  /** Prefix each command with `sudo -n` (hosts whose login is not root). */
  sudo?: boolean;
  /** Extra comment lines after the shebang (host name, SSH target...); sanitised with `shellComment`. */
  header?: string[];
  /** Print each step's description as a comment above it (default true). */
  descriptions?: boolean;
}

/**
 * A runnable POSIX sh script for one host's plan: `#!/bin/sh`, header comments, `set -e` (stop at
 * the first failing step), then each step.
 *
 * @example
 * hostScript(plan.hosts[0])
 * // #!/bin/sh
 * // # VXLAN Studio plan for host A
 * // set -e
 * // # create VXLAN device vxlan100 (VNI 100) to 192.168.1.20
 * // ip link add vxlan100 type vxlan id 100 remote 192.168.1.20 dev eth0 dstport 4789
 * // ...
 */
export function hostScript(plan: HostPlan, opts: HostScriptOptions = {}): string {
  const lines = ['#!/bin/sh'];
  const title = `VXLAN Studio ${plan.kind === 'teardown' ? 'teardown' : 'plan'} for host ${plan.hostName} (${plan.hostId})`;
  for (const h of opts.header ?? [title]) lines.push(shellComment(h));
  for (const d of plan.diagnostics) lines.push(shellComment(`${d.severity}: ${d.path}: ${d.message}`));
  lines.push('set -e');
  if (plan.steps.length === 0) lines.push('# nothing to do');
  for (const step of plan.steps) {
    if (opts.descriptions !== false) lines.push(shellComment(step.description));
    lines.push(stepLine(step, opts));
  }
  return `${lines.join('\n')}\n`;
}
