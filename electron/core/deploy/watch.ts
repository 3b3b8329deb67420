/**
 * The host's watch: what lets a long-lived app answer "nothing changed" about a converged host
 * without starting a single process there (an unchanged re-apply at 100 hosts used to start 500).
 *
 * A full read of the host (round trip 1's look) can arm a watch first: per persistent shell and
 * topology, a directory `WATCH_DIR/<shell pid>-<topology>` as root, with `ip monitor` (links,
 * addresses, routes, rules, nexthops) appending every event to `ev`, and `bridge monitor fdb` through
 * a shell filter appending the FDB events that matter (the all-zero flood entries and static or
 * permanent entries; learned MACs come and go with traffic and no plan reads them); `ref`, a file
 * written just before the read, whose time later files are compared with; and `paths`, the files and
 * directories the read depends on (the network managers' files and drop-in places, the PATH
 * directories where the tools are found, this topology's confirm runs directory: `P` present and
 * older than `ref`, `A` absent), plus the pid of a running systemd-networkd (`L`). A token chosen
 * by the app names this arming: written first, so an arming cut short leaves no older token valid.
 *
 * The next look sends that token and checks, with shell builtins only, that the watch is the same,
 * its processes live, every netlink event the kernel queued for them has been read and handled (the
 * monitors' sockets hold no bytes and dropped none, and each watch process sleeps: the monitors in
 * their socket read, the filter on its empty pipe, so every event before the check is in `ev`), `ev`
 * is empty and no path changed (a file written in the same tick as `ref` counts as changed). Then it
 * answers SAME and the app uses what the armed read found; anything else is a full read (and a new
 * arming). Only for a root login on a persistent shell, where NetworkManager (whose state is not in
 * files) is absent, and where no confirm run of the topology is on the host.
 *
 * The watch's processes end within a minute after the shell that armed it (a `sleep 60` loop).
 */
import { quoteShellArg } from '../../../shared/plan';
import { PERSIST_DIRS } from '../../../shared/plan/persist/common';
import { EUID_LINE, LIVE_FUNCTION, LOCK_DIR, NETNS_INODE } from './scripts';

/** Where watches live: root's private directory of deploy locks. */
export const WATCH_DIR = `${LOCK_DIR}/watch`;

/** How often a watch looks whether the shell that armed it still lives. */
export const WATCH_LIFETIME_POLL_SECONDS = 60;

/**
 * Directories whose files and entries (one level down too: /run/systemd/netif/links, networkd's
 * `*.network.d/`) a full read depends on, besides PATH: the probe's and our files' places.
 */
export const WATCH_DIRS = [
  ...new Set([
    '/run/systemd/netif',
    '/etc/netplan',
    '/etc/network',
    ...Object.values(PERSIST_DIRS)
      .flat()
      .map((d) => d.replace(/\/+$/, '')),
  ]),
];
/** The watch directory of this shell and topology, as a shell word (`$$` is the persistent shell in a subshell too). */
function watchDirWord(topologyId: string): string {
  return `${quoteShellArg(`${WATCH_DIR}/`)}"$$"-${quoteShellArg(topologyId)}`;
}

/**
 * `vxs_nl PID`: the rtnetlink socket of process PID (its port id is its pid: iproute2's monitors
 * bind one subscribed socket) is subscribed to groups. Arming only: it reads /proc/net/netlink.
 */
const NETLINK_FUNCTION =
  'vxs_nl() { while read -r vxs_sk vxs_eth vxs_pid vxs_grp vxs_rest; do [ "$vxs_eth" = 0 ] && [ "$vxs_pid" = "$1" ] && [ "$vxs_grp" != 00000000 ] && return 0; done </proc/net/netlink; return 1; }';

/**
 * `vxs_idle PID`: the process sleeps (state S in its status, the third line: a short read). A
 * netlink event wakes the monitor (state R) in the changing process's own system call, and a write
 * to the pipe wakes the filter the same way; each sleeps again only in its read, after it handled
 * what it read. So with all three asleep, every change made before the check is in `ev`.
 */
const IDLE_FUNCTION =
  'vxs_idle() { while read -r vxs_k vxs_v; do [ "$vxs_k" = State: ] || continue; case $vxs_v in S*) return 0;; esac; return 1; done <"/proc/$1/status" 2>/dev/null; return 1; }';

/**
 * The filter both monitors write to (one line per event: `ip -o`), appending to `ev` what a read
 * could see differently. Dropped: FDB entries learned from traffic (they come and go, and no plan
 * reads them: only the all-zero flood entries and static or permanent ones count), and a link's
 * per-family messages (the bridge port's and IPv6's own, which IPv6 router solicitation and the
 * bridge's multicast snooping send for many seconds after a link comes up): every change to a link
 * also sends the full message, which carries `group` (IFLA_GROUP) and counts.
 */
const MAC = Array.from({ length: 6 }, () => '[0-9a-f][0-9a-f]').join(':');
const FILTER_LOOP = [
  'while IFS= read -r vxs_l; do',
  'case $vxs_l in "Deleted "*) vxs_l=${vxs_l#Deleted };; esac',
  'case $vxs_l in',
  `  ${MAC}' '*) case $vxs_l in '00:00:00:00:00:00 '*|*' permanent'*|*' static'*) printf x >>"$vxs_wd/ev";; esac;;`,
  `  [0-9]*': '*': <'*) case $vxs_l in *' group '*) printf x >>"$vxs_wd/ev";; esac;;`,
  '  *) printf x >>"$vxs_wd/ev";;',
  'esac; done <"$vxs_wd/fifo"',
].join('\n');

/**
 * The pool's `$1`, set when the script does not run in the host's persistent shell (an exec
 * channel, see pool.ts): no watch then, since `$$` would name a shell that is gone after the script.
 */
const ONE_LINE = 'vxs_one=${1:-}';

/** What an arming reported: its token, the watch's processes and the paths the read depends on. */
export interface WatchArmed {
  token: string;
  /** ip monitor, the FDB filter, bridge monitor. */
  pids: [number, number, number];
  /** `P` present (not newer than `ref`), `A` absent, `L` a systemd-networkd pid that must live. */
  paths: Array<{ kind: 'P' | 'A' | 'L'; path: string }>;
}

/**
 * The WATCH section's body: the pids line, then one `P|A|L path` line per path. Undefined when it
 * is not exactly that (a file name with a newline, say): then the watch is not used.
 */
export function parseWatchBody(token: string, body: string): WatchArmed | undefined {
  const [pidLine = '', ...lines] = body.replace(/\n$/, '').split('\n');
  const pids = pidLine.split(' ').map(Number);
  if (pids.length !== 3 || !pids.every((p) => Number.isInteger(p) && p > 0)) return undefined;
  const paths: WatchArmed['paths'] = [];
  for (const l of lines) {
    const m = /^([PA]) (\/.*)$/.exec(l) ?? /^(L) ([0-9]+)$/.exec(l);
    if (m === null) return undefined;
    paths.push({ kind: m[1] as 'P' | 'A' | 'L', path: m[2] as string });
  }
  return { token, pids: pids as [number, number, number], paths };
}

/**
 * Lines that answer `<m> SAME` when the watch `w` saw no change. Shell builtins only, with the
 * paths and pids written into the script (no file read a byte at a time), and fit to run in the
 * host's long-lived shell itself (RunOptions.inShell: no exit, no set, nothing read from stdin): no
 * process starts. `$vxs_one` is the pool's `$1` (set: not a persistent shell).
 */
export function watchCheckLines(topologyId: string, w: WatchArmed, m: string): string[] {
  const ref = '"$vxs_wd/ref"';
  const tests = w.paths.map(({ kind, path }) => {
    const p = quoteShellArg(path);
    if (kind === 'P') return `[ ${p} -ot ${ref} ]`;
    if (kind === 'A') return `! [ -e ${p} ] && ! [ -L ${p} ]`;
    return `read -r vxs_n 2>/dev/null <${quoteShellArg(`/proc/${path}/comm`)} && [ "$vxs_n" = systemd-network ]`;
  });
  const [a, b, c] = w.pids;
  return [
    ONE_LINE,
    IDLE_FUNCTION,
    `vxs_wd=${watchDirWord(topologyId)}`,
    [
      'vxs_same() {',
      '  [ -z "$vxs_one" ] || return 1',
      `  read -r vxs_t 2>/dev/null <"$vxs_wd/token" && [ "$vxs_t" = ${quoteShellArg(w.token)} ] || return 1`,
      // The monitors before the filter that reads one of them: see IDLE_FUNCTION.
      `  vxs_idle ${a} && vxs_idle ${c} && vxs_idle ${b} || return 1`,
      '  [ -s "$vxs_wd/ev" ] && return 1',
      ...tests.map((t) => `  ${t} || return 1`),
      '  return 0',
      '}',
    ].join('\n'),
    `if vxs_same; then printf '%s SAME\\n' ${m}; fi`,
  ];
}

/**
 * Lines that arm (or re-arm) the watch with `token` before a full read, printing `<m> WATCH <token>`
 * when it is armed; anything that does not hold (not root, not a persistent shell, NetworkManager, a
 * confirm run of the topology, a monitor that did not subscribe) prints nothing and the read goes on.
 */
export function watchArmLines(topologyId: string, token: string, m: string): string[] {
  const dirs = WATCH_DIRS.map((d) => quoteShellArg(d)).join(' ');
  return [
    ONE_LINE,
    LIVE_FUNCTION,
    NETLINK_FUNCTION,
    EUID_LINE,
    `vxs_wd=${watchDirWord(topologyId)}`,
    [
      'vxs_arm() {',
      '  [ -z "$vxs_one" ] && [ "$vxs_uid" = 0 ] || return 1',
      '  command -v nmcli >/dev/null 2>&1 && return 1',
      // The token goes first: from here on, no earlier arming's token is valid.
      `  [ -d ${quoteShellArg(LOCK_DIR)} ] || mkdir -m 0700 ${quoteShellArg(LOCK_DIR)} 2>/dev/null`,
      `  [ -d ${quoteShellArg(WATCH_DIR)} ] || mkdir -m 0700 ${quoteShellArg(WATCH_DIR)} 2>/dev/null`,
      '  vxs_ok=; if read -r vxs_a vxs_b vxs_c vxs_e 2>/dev/null <"$vxs_wd/pids"; then',
      '    vxs_live "$vxs_a" && vxs_live "$vxs_b" && vxs_live "$vxs_c" && vxs_live "$vxs_e" && vxs_ok=1',
      '    [ -n "$vxs_ok" ] || kill "$vxs_a" "$vxs_b" "$vxs_c" "$vxs_e" 2>/dev/null',
      '  fi',
      '  if [ -n "$vxs_ok" ]; then printf \'%s\\n\' "$1" >"$vxs_wd/token" || return 1; else',
      // Watches of shells gone while their processes were killed (their loop removes them otherwise).
      `    for vxs_d in ${quoteShellArg(WATCH_DIR)}/[0-9]*-*; do vxs_p=\${vxs_d##*/}; [ -d "$vxs_d" ] && ! kill -0 "\${vxs_p%%-*}" 2>/dev/null && rm -rf "$vxs_d"; done`,
      '    rm -rf "$vxs_wd"; mkdir -m 0700 "$vxs_wd" 2>/dev/null || return 1',
      '    printf \'%s\\n\' "$1" >"$vxs_wd/token" && mkfifo -m 0600 "$vxs_wd/fifo" || return 1',
      // The namespace's inode costs a process: read once, for every re-arming of this watch.
      `    printf '%s\\n' "${NETNS_INODE}" >"$vxs_wd/netns" || return 1`,
      '    : >"$vxs_wd/ev"',
      // Learned MACs come and go with traffic: only the flood entries and static ones count.
      `    ( trap '' HUP; ${FILTER_LOOP} ) </dev/null >/dev/null 2>&1 & vxs_b=$!`,
      `    ( trap '' HUP; exec ip -o monitor link address route rule nexthop >"$vxs_wd/fifo" 2>&1 ) </dev/null & vxs_a=$!`,
      `    ( trap '' HUP; exec bridge monitor fdb >"$vxs_wd/fifo" 2>&1 ) </dev/null & vxs_c=$!`,
      `    ( trap '' HUP; while vxs_live $$; do sleep ${WATCH_LIFETIME_POLL_SECONDS}; done; kill "$vxs_a" "$vxs_b" "$vxs_c" 2>/dev/null; rm -rf "$vxs_wd" ) </dev/null >/dev/null 2>&1 & vxs_e=$!`,
      '    printf \'%s %s %s %s\\n\' "$vxs_a" "$vxs_b" "$vxs_c" "$vxs_e" >"$vxs_wd/pids"',
      // Both monitors subscribed before the read: an event from here on reaches `ev`.
      '    vxs_i=0; until vxs_nl "$vxs_a" && vxs_nl "$vxs_c"; do vxs_i=$((vxs_i+1)); [ "$vxs_i" -le 100 ] || { kill "$vxs_a" "$vxs_b" "$vxs_c" "$vxs_e" 2>/dev/null; rm -rf "$vxs_wd"; return 1; }; [ "$vxs_i" -le 20 ] || sleep 0.01; done',
      '  fi',
      '  : >"$vxs_wd/ev" && printf x >"$vxs_wd/ref" || return 1',
      '  {',
      '    read -r vxs_ino <"$vxs_wd/netns" && [ -n "$vxs_ino" ] || return 1',
      `    vxs_base=${quoteShellArg(`${LOCK_DIR}/confirm/net`)}"$vxs_ino"/${quoteShellArg(topologyId)}`,
      '    [ ! -e "$vxs_base" ] || return 1; printf \'A %s\\n\' "$vxs_base"',
      `    for vxs_d in ${dirs}; do`,
      '      if [ -e "$vxs_d" ]; then printf \'P %s\\n\' "$vxs_d"; for vxs_f in "$vxs_d"/* "$vxs_d"/*/*; do [ -e "$vxs_f" ] && printf \'P %s\\n\' "$vxs_f"; done; else printf \'A %s\\n\' "$vxs_d"; fi',
      '    done',
      '    vxs_ifs=$IFS; IFS=:; set -f; for vxs_d in $PATH; do IFS=$vxs_ifs; [ -e "${vxs_d:-.}" ] && printf \'P %s\\n\' "${vxs_d:-.}" || printf \'A %s\\n\' "${vxs_d:-.}"; done; set +f; IFS=$vxs_ifs',
      // A running networkd of this namespace: its stop changes no file.
      '    if [ -e /run/systemd/netif/state ]; then for vxs_p in /proc/[0-9]*; do read -r vxs_n 2>/dev/null <"$vxs_p/comm" || continue; [ "$vxs_n" = systemd-network ] && [ "$vxs_p/ns/net" -ef /proc/self/ns/net ] && printf \'L %s\\n\' "${vxs_p#/proc/}"; done; fi',
      '  } >"$vxs_wd/paths" || return 1',
      `  printf '%s WATCH %s\\n' ${quoteShellArg(m)} "$1"; read -r vxs_a vxs_b vxs_c vxs_e <"$vxs_wd/pids"; printf '%s %s %s\\n' "$vxs_a" "$vxs_b" "$vxs_c"`,
      // The paths file is small and the shell reads it a byte at a time: only here, never in a check.
      '  while IFS= read -r vxs_l; do printf \'%s\\n\' "$vxs_l"; done <"$vxs_wd/paths"',
      '}',
    ].join('\n'),
    `vxs_arm ${quoteShellArg(token)} || true`,
  ];
}

/**
 * Lines that stop this shell's watch of the topology (a destroy: nothing of the drawing is left to
 * watch), its processes and its directory; nothing when there is none.
 */
export function watchStopLines(topologyId: string): string[] {
  return [
    `vxs_wd=${watchDirWord(topologyId)}`,
    'if read -r vxs_a vxs_b vxs_c vxs_e 2>/dev/null <"$vxs_wd/pids"; then kill "$vxs_a" "$vxs_b" "$vxs_c" "$vxs_e" 2>/dev/null; rm -rf "$vxs_wd"; fi',
  ];
}
