/**
 * Underlay path-MTU discovery from one host toward several peers at once, with the binary-search
 * step functions (shared/diagnose `startPathMtuSearch` / `nextPathMtuProbe` / `recordPathMtuProbe`):
 * each iteration sends every unfinished search's next DF ping (`ping -M do -s <payload>`) as a
 * background job in ONE script, so a host's searches cost about log2(MTU range) round trips of at
 * most one ping wait each, whatever the number of peers. Expensive (a lost probe waits 1 s), so the
 * poller runs it only for pairs whose DF probe at the segment MTU failed.
 */
import type { Host } from '../../../shared/model';
import { nextPathMtuProbe, recordPathMtuProbe, startPathMtuSearch, type PathMtuState } from '../../../shared/diagnose/path-mtu';
import { parsePing, pingArgv } from '../../../shared/observe/ping';
import { argvToShell } from '../../../shared/plan';
import { parseAddress } from '../../../shared/validate/ip';
import { newNonce, sections } from '../ssh/remote-script';
import { runWithin, type HealthTransport } from './transport';

export interface PathMtuTarget {
  /** Peer host id. */
  to: string;
  /** Peer underlay address. */
  address: string;
}

/**
 * Path MTU from `host` to each target (by peer id); a target whose search could not finish (even the
 * floor failed, or the host stopped answering) is left out.
 */
export async function searchPathMtus(
  transport: HealthTransport,
  host: Host,
  underlayMtu: number,
  targets: readonly PathMtuTarget[],
  opts: { timeoutMs?: number; maxIterations?: number } = {},
): Promise<Map<string, number>> {
  const states = new Map<string, { t: PathMtuTarget; s: PathMtuState }>();
  for (const t of targets) {
    const a = parseAddress(t.address);
    if (typeof a === 'string') continue;
    states.set(t.to, { t, s: startPathMtuSearch(underlayMtu, a.family) });
  }
  const out = new Map<string, number>();
  for (let i = 0; i < (opts.maxIterations ?? 24); i++) {
    const probes = [...states.values()].map((e) => ({ e, p: nextPathMtuProbe(e.s) })).filter((x) => x.p !== undefined);
    if (probes.length === 0) break;
    const m = newNonce();
    const lines = ['vxs_d=$(mktemp -d /tmp/vxs-pmtu.XXXXXX) || exit 3'];
    probes.forEach(({ e, p }, k) =>
      lines.push(`${argvToShell(pingArgv(e.t.address, { dontFragment: true, size: p?.payload ?? 0 }))} >"$vxs_d/${k}" 2>&1 &`),
    );
    lines.push('wait');
    probes.forEach((_, k) => lines.push(`printf '%s P ${k}\\n' ${m}`, `cat "$vxs_d/${k}"`));
    lines.push('rm -rf "$vxs_d"', `printf '%s END\\n' ${m}`);
    const r = await runWithin(transport, host, `${lines.join('\n')}\n`, opts.timeoutMs ?? 10_000);
    const bodies = new Map(
      sections(r.stdout, m)
        .filter((s) => s.tag === 'P')
        .map((s) => [Number(s.args), s.body]),
    );
    probes.forEach(({ e, p }, k) => {
      if (p === undefined) return;
      const body = bodies.get(k) ?? '';
      let ok = false;
      try {
        ok = parsePing(body, { host: host.name, command: `ping -M do -s ${p.payload} ${e.t.address}` }).ok;
      } catch {
        ok = false;
      }
      e.s = recordPathMtuProbe(e.s, p, ok);
    });
  }
  for (const [to, e] of states) if (e.s.pathMtu !== undefined) out.set(to, e.s.pathMtu);
  return out;
}
