/**
 * Underlay path-MTU discovery from one host toward several peers at once, as a parallel sweep
 * (shared/diagnose `pathMtuSweepSizes`): stage 1 sends a DF ping (`ping -M do -s <payload>`) of
 * every 96th size from the interface MTU down to the floor, stage 2 every 10th size between the
 * largest that passed and the next that failed, stage 3 every size left between them; each stage is
 * ONE script with every probe a background job (about 10 per peer, few enough for a busy host). So
 * a host's search costs three short probe waits whatever the number of peers, where a binary search
 * waited a full second per lost probe (about ten over a black hole). The poller runs it only
 * for pairs whose DF probe at the segment MTU failed.
 */
import type { Host } from '../../../shared/model';
import { pathMtuSweepResult, pathMtuSweepSizes, pingHeaderBytes, SWEEP_STEPS } from '../../../shared/diagnose/path-mtu';
import { parsePing } from '../../../shared/observe/ping';
import { quoteShellArg } from '../../../shared/plan';
import { parseAddress, type IpFamily } from '../../../shared/validate/ip';
import { newNonce, sections } from '../ssh/remote-script';
import { runWithin, type HealthTransport } from './transport';

export interface PathMtuTarget {
  /** Peer host id. */
  to: string;
  /** Peer underlay address. */
  address: string;
}

/** Seconds a sweep probe waits for its answer (fractional waits need iputils 20190709 or later; older ones wait 1 s). */
export const SWEEP_WAIT_SECONDS = 0.3;

/**
 * Path MTU from `host` to each target (by peer id): the largest size that passed (see
 * `pathMtuSweepSizes`), in at most three stages of one script each. A target none of whose sizes
 * passed (even the floor failed, or the host stopped answering) is left out.
 */
export async function searchPathMtus(
  transport: HealthTransport,
  host: Host,
  underlayMtu: number,
  targets: readonly PathMtuTarget[],
  opts: { timeoutMs?: number } = {},
): Promise<Map<string, number>> {
  const searches: Array<{ t: PathMtuTarget; family: IpFamily; known?: { passed: number | undefined; failed: number } }> = [];
  for (const t of targets) {
    const a = parseAddress(t.address);
    if (typeof a !== 'string') searches.push({ t, family: a.family });
  }
  for (const step of SWEEP_STEPS) {
    const probes = searches.flatMap((e) =>
      pathMtuSweepSizes(underlayMtu, e.family, e.known, step).map((mtu) => ({
        e,
        mtu,
        payload: mtu - pingHeaderBytes(e.family),
      })),
    );
    if (probes.length === 0) break;
    const m = newNonce();
    const lines = [
      'vxs_d=$(mktemp -d /tmp/vxs-pmtu.XXXXXX) || exit 3',
      `vxs_w=${SWEEP_WAIT_SECONDS}; ping -n -c 1 -W ${SWEEP_WAIT_SECONDS} 127.0.0.1 >/dev/null 2>&1 || vxs_w=1`,
    ];
    probes.forEach((p, k) =>
      lines.push(`ping -n -c 1 -W "$vxs_w" -M do -s ${p.payload} ${quoteShellArg(p.e.t.address)} >"$vxs_d/${k}" 2>&1 &`),
    );
    lines.push('wait');
    // One awk prints every answer under its own section (one `cat` per probe would double the processes).
    lines.push(
      `awk -v m=${m} 'FNR == 1 { n = split(FILENAME, a, "/"); print m " P " a[n] } !/^PING / && !/^$/ && !/^--- /' "$vxs_d"/* 2>/dev/null`,
    );
    lines.push('rm -rf "$vxs_d"', `printf '%s END\\n' ${m}`);
    const r = await runWithin(transport, host, `${lines.join('\n')}\n`, opts.timeoutMs ?? 10_000);
    const bodies = new Map(
      sections(r.stdout, m)
        .filter((s) => s.tag === 'P')
        .map((s) => [Number(s.args), s.body]),
    );
    for (const e of searches) {
      const outcomes = probes
        .map((p, k) => ({ p, k }))
        .filter(({ p }) => p.e === e)
        .map(({ p, k }) => {
          let ok = false;
          try {
            ok = parsePing(bodies.get(k) ?? '', { host: host.name, command: `ping -M do -s ${p.payload} ${e.t.address}` }).ok;
          } catch {
            ok = false;
          }
          return { mtu: p.mtu, ok };
        });
      if (outcomes.length === 0) continue;
      e.known = pathMtuSweepResult(outcomes, underlayMtu, e.known);
    }
  }
  const out = new Map<string, number>();
  for (const e of searches) if (e.known?.passed !== undefined) out.set(e.t.to, e.known.passed);
  return out;
}
