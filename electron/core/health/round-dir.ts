/**
 * The answer directory of a script the health part runs on a host (the round, the path-MTU search):
 * made at the script's start, removed however the script ends.
 */

/** A round's temporary directory older than this (seconds) was left by a round cut off: the next round removes it. */
export const STALE_ROUND_DIR_SECONDS = 300;

/**
 * The start of every round's script: its answer directory `$vxs_d`, removed when the script ends
 * however it ends (a round cut off by its deadline or a dropped connection is killed by a signal;
 * the traps turn that into an exit, and the exit removes it), and the directories rounds left that
 * no trap could clean (SIGKILL, a crash): each directory's name holds the host's uptime at its start,
 * so one older than `STALE_ROUND_DIR_SECONDS` (or from before a reboot) is found by builtins alone.
 */
export function roundDirLines(prefix: string, opts: { lazy?: boolean } = {}): string[] {
  const make = (start: string): string => `vxs_d=$(mktemp -d "\${TMPDIR:-/tmp}/${prefix}.${start}.XXXXXX") || exit 3`;
  return [
    'read -r vxs_c _ </proc/uptime 2>/dev/null || vxs_c=0.0; vxs_c=${vxs_c%.*}',
    `for vxs_o in "\${TMPDIR:-/tmp}"/${prefix}.*.*; do vxs_a=\${vxs_o##*/${prefix}.}; vxs_a=\${vxs_a%%.*}`,
    `  case $vxs_a in ''|*[!0-9]*) continue ;; esac`,
    `  if [ "$vxs_a" -gt "$vxs_c" ] || [ $((vxs_a + ${STALE_ROUND_DIR_SECONDS})) -lt "$vxs_c" ]; then rm -rf "$vxs_o" 2>/dev/null; fi`,
    'done',
    // Lazy: the directory is made by `vxs_mkd` when something first needs it (a healthy round
    // probed with fping writes no file), so such a round starts neither mktemp nor rm.
    // (`vxs_dc` keeps the uptime at the start: the round's clock reuses `vxs_c`).
    ...(opts.lazy === true
      ? ['vxs_d=; vxs_dc=$vxs_c', `vxs_mkd() { [ -n "$vxs_d" ] || ${make('$vxs_dc')}; }`]
      : [make('$vxs_c')]),
    opts.lazy === true ? `trap '[ -z "$vxs_d" ] || rm -rf "$vxs_d"' EXIT` : `trap 'rm -rf "$vxs_d"' EXIT`,
    "trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 141' PIPE; trap 'exit 143' TERM",
  ];
}
