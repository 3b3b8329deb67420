/**
 * Interface counters read from /proc/net/dev with shell builtins, in place of `ip -j -s link show`:
 * the round reads them twice, around its probes, and each `ip` is a process (10-20 ms of CPU on a
 * busy host). /proc/net/dev is the calling process's network namespace's, always (sysfs is the
 * namespace's only where it was mounted from inside it), and the kernel fills it from the same
 * per-device statistics as `ip -s` (dev_get_stats). The diagnosis reads the packet counts; `drop`
 * there also counts the NIC's missed frames, which `ip -s` shows apart. The file has no ifindex:
 * the counters carry 0, so two readings of a round match by name.
 */
import type { LinkCounters } from '../../../shared/observe/counters';
import { COUNTERS_COMMAND } from '../../../shared/observe/counters';
import { ObserveParseError } from '../../../shared/observe/parse';
import { argvToShell } from '../../../shared/plan';

const SOURCE = '/proc/net/dev';

/** The shell function `vxs_ctr`: prints /proc/net/dev (builtins only, no `cat`). */
export const NET_DEV_FUNCTION = `vxs_ctr() { while IFS= read -r vxs_l; do printf '%s\\n' "$vxs_l"; done <${SOURCE}; }`;

/**
 * The line reading the counters under `<m> <tag>D` (/proc/net/dev) or, on a host without it,
 * `<m> <tag>` (`ip -j -s link show`, as before).
 */
export function countersLine(m: string, tag: string): string {
  return `if [ -r ${SOURCE} ]; then printf '%s ${tag}D\\n' ${m}; vxs_ctr; else printf '%s ${tag}\\n' ${m}; ${argvToShell(COUNTERS_COMMAND)} 2>/dev/null; fi`;
}

/**
 * Parses /proc/net/dev: per device `name: rx bytes packets errs drop fifo frame compressed
 * multicast, tx bytes packets errs drop fifo colls carrier compressed`.
 *
 * @throws ObserveParseError naming `host` when a device line has fewer than 16 counters.
 */
export function parseNetDev(text: string, host: string): LinkCounters[] {
  const out: LinkCounters[] = [];
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    // The two header lines have '|' and no "name:" field.
    if (colon < 0 || line.includes('|')) continue;
    const name = line.slice(0, colon).trim();
    const n = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    if (name === '' || n.length < 16 || n.some((x) => !Number.isFinite(x) || x < 0))
      throw new ObserveParseError(host, SOURCE, `has a device line without its 16 counters: ${line.trim()}`);
    const [rb = 0, rp = 0, re = 0, rd = 0, , , , , tb = 0, tp = 0, te = 0, td = 0] = n;
    out.push({
      name,
      ifindex: 0,
      rx: { packets: rp, bytes: rb, errors: re, dropped: rd },
      tx: { packets: tp, bytes: tb, errors: te, dropped: td },
    });
  }
  return out;
}
