/**
 * A `ping` for running the health scripts through the real sh in unit tests: it prints what iputils
 * prints for one packet, and a packet up to `maxPacketBytes` (IP header included) is answered,
 * a bigger one vanishes. Put its directory first on PATH. Test code only.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import type { Host } from '../../../shared/model';
import type { HealthTransport } from './transport';

/** Writes the fake `ping` into a new directory; `remove` deletes it. */
export function fakePing(maxPacketBytes: number): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'vxs-fakeping-'));
  writeFileSync(
    path.join(dir, 'ping'),
    [
      '#!/bin/sh',
      's=56; while [ $# -gt 1 ]; do [ "$1" = -s ] && s=$2; shift; done; t=$1',
      'echo "PING $t ($t) $s($((s + 28))) bytes of data."',
      `if [ $((s + 28)) -le ${maxPacketBytes} ]; then`,
      '  echo "$((s + 8)) bytes from $t: icmp_seq=1 ttl=64 time=0.045 ms"; echo',
      '  echo "--- $t ping statistics ---"; echo "1 packets transmitted, 1 received, 0% packet loss, time 0ms"',
      '  echo "rtt min/avg/max/mdev = 0.045/0.045/0.045/0.000 ms"; exit 0',
      'fi',
      'echo; echo "--- $t ping statistics ---"; echo "1 packets transmitted, 0 received, 100% packet loss, time 0ms"; exit 1',
      '',
    ].join('\n'),
  );
  chmodSync(path.join(dir, 'ping'), 0o755);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A transport that runs every script in a local `sh` with `bin` first on PATH; `asked` lists the hosts asked. */
export function localShTransport(bin: string): HealthTransport & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    run: (host: Host, script: string) =>
      new Promise((resolve, reject) => {
        asked.push(host.id);
        const sh = spawn('sh', ['-s'], { env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` } });
        let stdout = '';
        let stderr = '';
        sh.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        sh.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        sh.on('error', reject);
        sh.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
        sh.stdin.end(script);
      }),
    reset: () => undefined,
  };
}
