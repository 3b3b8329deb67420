/**
 * Free-text and host-name rules shared by validation and by every place that writes a value into
 * a file another program reads (known_hosts, shell scripts).
 */
import { parseAddress } from './ip';

/**
 * Characters that end or bend a line in a shell script, a terminal or a log: C0 controls, DEL, NEL
 * and the Unicode line and paragraph separators (some editors and JSON readers break lines there).
 */
export const CONTROL_CHARACTER = /[\x00-\x1f\x7f\u0085\u2028\u2029]/;

/** `U+000A` for the first control character in `s`, or undefined when there is none. */
export function firstControlCharacter(s: string): string | undefined {
  const m = CONTROL_CHARACTER.exec(s);
  if (m === null) return undefined;
  return `U+${(m[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** RFC 1123 host name: dot-separated labels of letters, digits and "-" (and "_", seen in real DNS names and ssh aliases). */
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

/**
 * Why `host` cannot be an SSH target, or undefined when it is a host name, an IPv4 or an IPv6
 * address. Commas, spaces, `*`, `?`, `!`, `[` and newlines would turn one known_hosts entry into a
 * pattern or several (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"), and a leading "-" reads as an option.
 *
 * @example
 * sshHostProblem('web1.example.com') // undefined
 * sshHostProblem('fe80::1')          // undefined
 * sshHostProblem('a,b')              // 'must be a host name, an IPv4 or an IPv6 address (no spaces, commas, "*" or brackets)'
 */
export function sshHostProblem(host: string): string | undefined {
  if (host.length === 0) return 'must not be empty';
  if (HOSTNAME.test(host) && !host.startsWith('-')) return undefined;
  if (host.includes(':') && typeof parseAddress(host) !== 'string') return undefined;
  return 'must be a host name, an IPv4 or an IPv6 address (no spaces, commas, "*" or brackets)';
}
