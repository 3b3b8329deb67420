/**
 * Non-root users on the lab hosts, so password login and `sudo -n` meet a real sshd and a real sudo.
 *
 * The machine's own /etc is never touched. Each lab host's sshd runs in a mount namespace of its
 * own (see `startSshd`), where the lab's copies of /etc/passwd, /etc/shadow, /etc/group and
 * /etc/sudoers (the machine's files plus the lab users' lines) are bind-mounted over the real
 * ones. sshd, the sessions it starts and the sudo they run read the copies; nothing outside the lab
 * hosts ever sees the users.
 */
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { run, runOk, tailOf } from './exec';
import { findExecutable, LabError, type ToolPaths } from './preflight';
import type { LabEtcState, LabUserState } from './state';

export interface LabUserSpec {
  name: string;
  /** Also the gid of the user's own group. */
  uid: number;
  login: readonly ('key' | 'password')[];
  /** What the user's sudoers line allows (see `LabUserState.sudo`). */
  sudo: 'nopasswd' | 'password' | 'not-on-path';
}

/**
 * The lab users, the same on every lab host. The uids sit far above the 1000-29999 range Debian's
 * adduser hands out, so they do not clash with real accounts (a clash is refused, not merged).
 */
export const LAB_USERS: readonly LabUserSpec[] = [
  { name: 'vxsadmin', uid: 46001, login: ['key', 'password'], sudo: 'nopasswd' },
  { name: 'vxsnosudo', uid: 46002, login: ['key'], sudo: 'password' },
  { name: 'vxsbare', uid: 46003, login: ['key'], sudo: 'not-on-path' },
];

/**
 * PATH of `not-on-path` users' sessions (sshd's SetEnv): the sbin directories only. Debian installs
 * sudo as /usr/bin/sudo, so their shell finds no sudo, as on a host without it.
 */
export const PATH_WITHOUT_SUDO = '/usr/local/sbin:/usr/sbin:/sbin';

/** The login shell of every lab user. */
export const LAB_USER_SHELL = '/bin/sh';

/** The account files a lab host's sshd sees: the machine's ones, or the lab's copies of them. */
export interface AccountFiles {
  passwd: string;
  shadow: string;
  group: string;
  /** Undefined when the machine has no sudo. */
  sudoers?: string;
}

export interface LabUserEntry {
  spec: LabUserSpec;
  home: string;
  /** crypt(3) hash of the login password; users without one get `*` (no password matches, key login still works). */
  passwordHash?: string;
}

const fieldsOf = (line: string): string[] => line.split(':');

/** Lines of an account file without the lab users' own lines (a lab user left on the machine is replaced, not doubled). */
function withoutUsers(text: string, names: ReadonlySet<string>): string[] {
  return text.split('\n').filter((line, i, all) => !(i === all.length - 1 && line === '') && !names.has(fieldsOf(line)[0] ?? ''));
}

/** Throws when one of the lab users' ids belongs to a different account in `text` (field 3 of passwd or group). */
function assertIdsFree(text: string, file: string, entries: readonly LabUserEntry[]): void {
  for (const line of text.split('\n')) {
    const [name, , id] = fieldsOf(line);
    const clash = entries.find((e) => String(e.spec.uid) === id && e.spec.name !== name);
    if (clash) {
      throw new LabError(
        `the lab user ${clash.spec.name} needs id ${clash.spec.uid}, but ${file} on this machine gives it to "${name ?? ''}"; ` +
          'the lab cannot make its users here without renumbering that account',
      );
    }
  }
}

/**
 * The lab's copies of the account files: the machine's text with the lab users' lines added
 * (passwd(5), shadow(5), group(5), sudoers(5)). `today` is days since 1970-01-01, the shadow
 * "last change" field (0 there would force a password change at login).
 *
 * @example
 * labAccountFiles(machine, [{ spec: LAB_USERS[1], home: '/run/vxlan-studio/labs/demo/home/vxsnosudo' }], 20000).passwd
 * // machine passwd + "vxsnosudo:x:46002:46002:VXLAN Studio lab user:/run/vxlan-studio/labs/demo/home/vxsnosudo:/bin/sh\n"
 */
export function labAccountFiles(machine: AccountFiles, entries: readonly LabUserEntry[], today: number): AccountFiles {
  const names = new Set(entries.map((e) => e.spec.name));
  assertIdsFree(machine.passwd, '/etc/passwd', entries);
  assertIdsFree(machine.group, '/etc/group', entries);
  for (const e of entries) {
    if (/[:\n]/.test(e.home))
      throw new LabError(`the home directory of lab user ${e.spec.name} (${e.home}) may not contain ":" or a newline`);
  }
  const text = (lines: readonly string[]): string => lines.map((l) => `${l}\n`).join('');
  const files: AccountFiles = {
    passwd: text([
      ...withoutUsers(machine.passwd, names),
      ...entries.map((e) => `${e.spec.name}:x:${e.spec.uid}:${e.spec.uid}:VXLAN Studio lab user:${e.home}:${LAB_USER_SHELL}`),
    ]),
    shadow: text([
      ...withoutUsers(machine.shadow, names),
      ...entries.map((e) => `${e.spec.name}:${e.passwordHash ?? '*'}:${today}:0:99999:7:::`),
    ]),
    group: text([...withoutUsers(machine.group, names), ...entries.map((e) => `${e.spec.name}:x:${e.spec.uid}:`)]),
  };
  if (machine.sudoers !== undefined) {
    const rules = entries.flatMap((e) =>
      e.spec.sudo === 'nopasswd'
        ? [`${e.spec.name} ALL=(ALL:ALL) NOPASSWD: ALL`]
        : e.spec.sudo === 'password'
          ? [`${e.spec.name} ALL=(ALL:ALL) ALL`]
          : [],
    );
    const base = machine.sudoers === '' || machine.sudoers.endsWith('\n') ? machine.sudoers : `${machine.sudoers}\n`;
    // Last: in sudoers the last matching rule wins, so nothing included above changes what these users get.
    files.sudoers = `${base}\n# VXLAN Studio lab users (these lines exist only inside the lab hosts)\n${text(rules)}`;
  }
  return files;
}

/** Where the lab's account file copies go inside its state dir. */
export function labEtcPaths(stateDir: string, withSudoers: boolean): LabEtcState {
  const dir = join(stateDir, 'etc');
  return {
    passwd: join(dir, 'passwd'),
    shadow: join(dir, 'shadow'),
    group: join(dir, 'group'),
    ...(withSudoers ? { sudoers: join(dir, 'sudoers') } : {}),
  };
}

/** `[copy, real file]` pairs that `startSshd` bind-mounts inside the sshd's own mount namespace. */
export function etcBindMounts(etc: LabEtcState | undefined): [string, string][] {
  if (!etc) return [];
  return [
    [etc.passwd, '/etc/passwd'],
    [etc.shadow, '/etc/shadow'],
    [etc.group, '/etc/group'],
    ...(etc.sudoers !== undefined ? [[etc.sudoers, '/etc/sudoers'] as [string, string]] : []),
  ];
}

/** A SHA-512 crypt(3) hash (`$6$salt$...`) of `password`, made by `openssl passwd -6` (the password goes through stdin, never argv). */
export async function hashPassword(tools: ToolPaths, password: string): Promise<string> {
  const hash = (
    await runOk(tools['openssl'] ?? 'openssl', ['passwd', '-6', '-stdin'], { input: `${password}\n`, timeoutMs: 10_000 })
  ).trim();
  if (!/^\$6\$[^:\n]+$/.test(hash)) throw new LabError('`openssl passwd -6` did not print a SHA-512 crypt hash');
  return hash;
}

/**
 * Lets the lab users reach their home dirs under `stateDir`: every directory on the way needs the
 * search (x) bit for others. The state dir and the lab's own /run/vxlan-studio directories get it
 * (search only: nobody can list them, and every secret file in them is mode 0600); any other
 * directory without it is an error naming it.
 */
async function makeTraversable(stateDir: string, ownedRoot: string): Promise<void> {
  let dir = stateDir;
  for (;;) {
    const s = await stat(dir);
    if ((s.mode & 0o001) === 0) {
      if (dir === stateDir || dir === ownedRoot || dir.startsWith(`${ownedRoot}/`)) await chmod(dir, (s.mode & 0o7777) | 0o011);
      else
        throw new LabError(
          `the lab users' home directories are under ${stateDir}, but other users cannot enter ${dir} (mode ${(s.mode & 0o777).toString(8)}): ` +
            `run \`chmod o+x ${dir}\` or keep lab state elsewhere`,
        );
    }
    const parent = dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

/** Writes `text` to `path` with exactly this mode and owner (writeFile's mode is subject to the umask). */
async function writeOwned(path: string, text: string, mode: number, uid: number, gid: number): Promise<void> {
  await writeFile(path, text, { mode });
  await chown(path, uid, gid);
  await chmod(path, mode);
}

export interface MakeLabUsersOptions {
  /** Directory the lab may open up for traversal (see `makeTraversable`); default /run/vxlan-studio. */
  ownedRoot?: string;
  /** The machine's account files; default /etc. */
  etcDir?: string;
}

/**
 * Makes the lab users for a lab whose state dir is `stateDir`: a random password for the
 * password-login users, home dirs (mode 0700, owned by the user) under `<stateDir>/home`, and the
 * account file copies under `<stateDir>/etc` (sudoers mode 0440 root:root and accepted by
 * `visudo -c`; shadow with the machine's shadow mode and owner). Returns what goes into lab.json.
 */
export async function makeLabUsers(
  tools: ToolPaths,
  stateDir: string,
  options: MakeLabUsersOptions = {},
): Promise<{ users: LabUserState[]; etc: LabEtcState }> {
  const etcDir = options.etcDir ?? '/etc';
  const readMachine = (name: string): Promise<string> => readFile(join(etcDir, name), 'utf8');
  let machineSudoers: string | undefined;
  try {
    machineSudoers = await readMachine('sudoers');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const visudo = findExecutable('visudo');
  const sudoInstalled = machineSudoers !== undefined && findExecutable('sudo') !== undefined && visudo !== undefined;

  const homeRoot = join(stateDir, 'home');
  await mkdir(homeRoot, { recursive: true, mode: 0o711 });
  await chmod(homeRoot, 0o711);
  await makeTraversable(stateDir, options.ownedRoot ?? '/run/vxlan-studio');

  const users: LabUserState[] = [];
  const entries: LabUserEntry[] = [];
  for (const spec of LAB_USERS) {
    const home = join(homeRoot, spec.name);
    await mkdir(home, { recursive: true, mode: 0o700 });
    await chown(home, spec.uid, spec.uid);
    await chmod(home, 0o700);
    // 18 random bytes: a 24-character base64url password, fresh for every lab. A user whose sudo
    // wants a password gets one too (sudo checks it; sshd still lets that user in by key only).
    const password =
      spec.login.includes('password') || spec.sudo === 'password' ? randomBytes(18).toString('base64url') : undefined;
    const passwordHash = password === undefined ? undefined : await hashPassword(tools, password);
    entries.push({ spec, home, ...(passwordHash !== undefined ? { passwordHash } : {}) });
    users.push({
      name: spec.name,
      uid: spec.uid,
      gid: spec.uid,
      home,
      login: [...spec.login],
      ...(password !== undefined ? { password } : {}),
      sudo: spec.sudo === 'not-on-path' ? 'not-on-path' : sudoInstalled ? spec.sudo : 'not-installed',
    });
  }

  const files = labAccountFiles(
    {
      passwd: await readMachine('passwd'),
      shadow: await readMachine('shadow'),
      group: await readMachine('group'),
      ...(sudoInstalled && machineSudoers !== undefined ? { sudoers: machineSudoers } : {}),
    },
    entries,
    Math.floor(Date.now() / 86_400_000),
  );
  const etc = labEtcPaths(stateDir, files.sudoers !== undefined);
  await mkdir(dirname(etc.passwd), { recursive: true, mode: 0o700 });
  await writeOwned(etc.passwd, files.passwd, 0o644, 0, 0);
  await writeOwned(etc.group, files.group, 0o644, 0, 0);
  const shadowStat = await stat(join(etcDir, 'shadow'));
  await writeOwned(etc.shadow, files.shadow, shadowStat.mode & 0o777, shadowStat.uid, shadowStat.gid);
  if (etc.sudoers !== undefined && files.sudoers !== undefined && visudo !== undefined) {
    // sudo refuses a sudoers file not owned by root or writable by others; 0440 root:root is what it expects.
    await writeOwned(etc.sudoers, files.sudoers, 0o440, 0, 0);
    const check = await run(visudo, ['-c', '-f', etc.sudoers], { timeoutMs: 10_000 });
    if (check.code !== 0) {
      throw new LabError(`visudo rejects the lab's sudoers copy ${etc.sudoers}: ${tailOf(check.stderr || check.stdout)}`);
    }
  }
  return { users, etc };
}
