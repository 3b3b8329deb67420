import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { fpingShellFunctions, parseFpingLines } from './fping-probe';
import { healthRoundScript, parseHealthRound, probePlan } from './round-script';
import { wideMesh } from './wide-mesh.testing';

const M = 'VXS0011223344556677';

/** What fping 5.1 prints with `-C 1 -q` for two targets, one silent (captured from the lab). */
const ONE_SILENT = '10.100.0.2 : 0.068\n10.100.0.3 : -\n';

/** Runs the fping path's shell functions in the real sh, then `body`; its stdout. */
function sh(body: string): string {
  const r = spawnSync('sh', ['-c', [...fpingShellFunctions(), 'vxs_w=0.2', body].join('\n')], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return r.stdout;
}

describe('the fping answers of a round', () => {
  it('are attributed per target: an answer with its round trip, a silent target as no reply, other lines left out', () => {
    expect([...parseFpingLines(`${ONE_SILENT}10.100.0.20  : 1.5\nfping: some error\n`)]).toEqual([
      ['10.100.0.2', 0.068],
      ['10.100.0.3', null],
      ['10.100.0.20', 1.5],
    ]);
  });

  it('are read by the shell with builtins: which target answered, and the wait of the DF probes', () => {
    const out = `vxs_o='${ONE_SILENT}10.100.0.20  : 3.9'`;
    expect(
      sh(
        `${out}; for t in 10.100.0.2 10.100.0.3 10.100.0.20 10.100.0.4; do vxs_fok "$vxs_o" $t && echo "$t ok" || echo "$t -"; vxs_fhas "$vxs_o" $t || echo "$t absent"; done`,
      ),
    ).toBe(['10.100.0.2 ok', '10.100.0.3 -', '10.100.0.20 ok', '10.100.0.4 -', '10.100.0.4 absent', ''].join('\n'));
    // Twice the slowest reply (3.9 ms counts as 3) plus 2 and the 50 ms margin; the margin alone without replies.
    expect(sh(`${out}; vxs_frtt "$vxs_o"; echo $vxs_wms $vxs_wt; vxs_frtt '10.100.0.3 : -'; echo $vxs_wms $vxs_wt`)).toBe(
      '58 0.058\n50 0.050\n',
    );
  });

  it('parse into the pairs: a lost small ping does not make the overlay down when the DF probe answered; a DF probe sent again wins', () => {
    const plan = probePlan(wideMesh(3), 'h1');
    const text = [
      `${M} FPING o0`,
      '10.100.0.2 : -',
      '10.100.0.3 : 0.050',
      `${M} FPING d0`,
      '10.100.0.2 : 0.071',
      '10.100.0.3 : -',
      `${M} FPING d0`,
      '10.100.0.3 : 0.900',
      `${M} END`,
      '',
    ].join('\n');
    const r = parseHealthRound(plan, text, M);
    expect(r.pairs.map((p) => [p.to, p.overlay?.ok, p.dfAtMtu?.ok, p.dfAtMtu?.rtt?.avg, p.underlay])).toEqual([
      ['h2', true, true, 0.071, undefined],
      ['h3', true, true, 0.9, undefined],
    ]);
    expect(r.pairs[0]?.dfAtMtu?.evidence).toEqual(['fping 10.100.0.2: reply in 0.071 ms']);
  });

  it("is the round's first choice, and the ping windows stay for a host without fping", () => {
    const script = healthRoundScript(probePlan(wideMesh(20), 'h1'), M);
    const fpings = script.split('\n').filter((l) => /\bvxs_[od]0=\$\(fping /.test(l));
    // One small overlay fping and one DF fping at the MTU for all 19 peers.
    expect(fpings).toHaveLength(2);
    expect(fpings[1]).toContain('fping -C 1 -q -i 1 -t "$vxs_wms" -M -b $(($vxs_mtu_0-28)) 10.100.0.2 10.100.0.3');
    expect(script).toContain('vxs_fp=; command -v fping >/dev/null 2>&1 && vxs_fp=1');
    expect(script).toContain('if [ -z "$vxs_fp" ]; then vxs_mkd');
    const r = spawnSync('sh', ['-n'], { input: script, encoding: 'utf8' });
    expect([r.status, r.stderr]).toEqual([0, '']);
  });
});
