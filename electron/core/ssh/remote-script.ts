/**
 * Helpers for the scripts sent to a host's persistent shell (deploy, health rounds, fixes): the PATH
 * line every script starts with, and the tagged output sections a script prints so its answers can
 * be cut apart. framing.ts frames one whole command on the shell's streams; these frame the parts
 * of one command's output. Both use the same random nonce (`newNonce`), so no command output (an
 * interface alias, an error message) can fake a frame or a section.
 */
import { argvToShell, quoteShellArg } from '../../../shared/plan';

export { newNonce } from './framing';

/**
 * First line of every script: `ip` and `bridge` live in /usr/sbin or /sbin on Debian-like hosts, and
 * a non-root login's PATH has no sbin (sudo's secure_path has, but observing runs as the login user).
 */
export const SBIN_PATH_LINE = 'PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"';

/**
 * An `sh -c SCRIPT NAME ARGS...` command that must run as root, as one line of a script. A sudo
 * login needs it as its own process (`sudo -n sh -c ...`); a root login runs the same script with
 * the same arguments in a subshell instead (`( set -- ARGS; eval SCRIPT )`): a fork, not a fork
 * and an exec of a new sh, which is most of what a small script costs a host. The scripts given
 * here assign every variable they read, so the caller's variables cannot leak into them.
 */
export function rootShellLine(argv: readonly string[], sudo: boolean): string {
  const [sh, c, script, , ...args] = argv;
  if (sudo || sh !== 'sh' || c !== '-c' || script === undefined) return argvToShell([...(sudo ? ['sudo', '-n'] : []), ...argv]);
  return `( set -- ${args.map(quoteShellArg).join(' ')}; eval ${quoteShellArg(script)} )`;
}

/** One section of a script's output: the line `<nonce> TAG args`, then the text up to the next one. */
export interface Section {
  tag: string;
  args: string;
  body: string;
}

/** Splits `<m> TAG args` sections: tag line args plus the text up to the next section. */
export function sections(text: string, m: string): Section[] {
  const out: Section[] = [];
  let cur: { tag: string; args: string; body: string[] } | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${m} `)) {
      if (cur) out.push({ tag: cur.tag, args: cur.args, body: cur.body.join('\n') });
      const rest = line.slice(m.length + 1);
      const sp = rest.indexOf(' ');
      cur = { tag: sp < 0 ? rest : rest.slice(0, sp), args: sp < 0 ? '' : rest.slice(sp + 1), body: [] };
    } else if (cur) cur.body.push(line);
  }
  if (cur) out.push({ tag: cur.tag, args: cur.args, body: cur.body.join('\n') });
  return out;
}

/** The last `lines` lines of a command's output, for messages. */
export function outputTail(text: string, lines = 6): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}
