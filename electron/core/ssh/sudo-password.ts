/**
 * sudo with a password, for hosts whose sudoers asks one. The scripts keep calling `sudo -n`; when
 * the host wants a password the session puts a preamble before the script that defines `sudo` as a
 * shell function: it refreshes sudo's credential cache with `sudo -S -v` (the password on its stdin)
 * when `sudo -n true` says the cache is cold, then runs the real `sudo -n ...`.
 *
 * Where the password goes: it is the first line of the command's stdin (written on the SSH channel),
 * read with the `read` builtin into a shell variable that is never exported, and piped by the
 * `printf` builtin into `sudo -S`. It is never in an argv (ps), the environment, a file or a log.
 * The command's own stdin follows that first line untouched.
 *
 * Why the cache: sudo's default `timestamp_type=tty` keys the cache by the parent process when there
 * is no terminal, and the function runs both sudo calls from the same shell, so the second one finds
 * the first one's credentials. A host with `timestamp_timeout=0` (no cache) keeps failing with
 * SUDO_PASSWORD_REQUIRED; that is said in the error hint, not worked around.
 */
import { AppError } from '../../../shared/errors/catalogue';

/** Script lines put before a script that may call `sudo -n` on a host whose sudo wants a password. */
export const SUDO_PASSWORD_PREAMBLE = [
  'IFS= read -r vxs_sudo_pw',
  `sudo() { command sudo -n true 2>/dev/null || printf '%s\\n' "$vxs_sudo_pw" | command sudo -S -p '' -v 2>/dev/null; command sudo "$@"; }`,
].join('\n');

/** Checks the password: `-k` ignores any cached credentials, so sudo really reads it from stdin. */
export const SUDO_PASSWORD_CHECK = "sudo -k -S -p '' true";

/** `sudo -n true`: does the host's sudo want a password? */
export const SUDO_PROBE = 'sudo -n true';

/** What `sudo -n` prints when it would have to ask. */
export const SUDO_WANTS_PASSWORD = /a (password|terminal) is required/;

/** A password that cannot be one line of stdin is refused before it reaches a host. */
export function assertOneLine(secret: string, host: string): void {
  if (/[\n\r\0]/.test(secret))
    throw new AppError('SUDO_AUTH_FAILED', `the sudo password for ${host} contains a line break or NUL`, { host });
}

/** The script and stdin that run `script` with the password fed to its `sudo -n` calls. */
export function withSudoPassword(script: string, secret: string, stdin: string | undefined): { script: string; stdin: string } {
  return { script: `${SUDO_PASSWORD_PREAMBLE}\n${script}`, stdin: `${secret}\n${stdin ?? ''}` };
}
