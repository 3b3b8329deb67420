/**
 * The lab connector on a real lab: connections to the hosts' sshd opened from the controller
 * namespace, through one dialer process however many connections a run opens, and nothing left
 * running in the controller once the process that used it exits. Root only.
 */
import { spawnSync } from 'node:child_process';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labConnector } from './controller-connector';
import { cutSsh, restoreSsh } from './faults';
import { nsArgv } from './netns-exec';
import { runOk } from './exec';
import { labDown, labUp } from './lab';
import { isRoot } from './preflight';
import type { LabState } from './state';
import { randomLabName } from './with-lab';

const root = isRoot();
if (!root)
  console.log('controller-connector.int.test.ts skipped: the netns lab needs root (run the integration tests with sudo)');
const suite = root ? describe : describe.skip;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Process ids in the lab's controller namespace (`ip netns pids`). */
async function controllerPids(lab: LabState): Promise<string[]> {
  return (await runOk('ip', ['netns', 'pids', lab.controller.namespace])).split('\n').filter((l) => l !== '');
}

/** The first line a stream receives. */
function firstLine(stream: Duplex): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => {
      text += d;
      if (text.includes('\n')) resolve(text.split('\n')[0]?.trim() ?? '');
    });
    stream.on('error', reject);
    stream.on('end', () => reject(new Error(`the stream ended after ${JSON.stringify(text)}`)));
  });
}

suite('the lab connector (dials from the controller namespace)', () => {
  const name = randomLabName('conn');
  let lab: LabState;

  beforeAll(async () => {
    lab = (await labUp({ name, hosts: 2 })).state;
  });
  afterAll(async () => {
    await labDown(name);
  });

  it("opens six connections to the hosts' sshd through one process, each starting with sshd's banner", async () => {
    const connect = labConnector(lab);
    const streams = await Promise.all(lab.hosts.flatMap((h) => [1, 2, 3].map(() => connect(h.address, 22))));
    try {
      expect(await controllerPids(lab)).toHaveLength(1);
      // Read only after the sockets changed process: the banner sent on connect must still be there.
      await sleep(300);
      const banners = await Promise.all(streams.map(firstLine));
      for (const b of banners) expect(b).toMatch(/^SSH-2\.0-OpenSSH/);
    } finally {
      for (const s of streams) s.destroy();
    }
  });

  it('rejects with the errno code when nothing listens on the port', async () => {
    const host = lab.hosts[0];
    if (!host) throw new Error('the lab has no host');
    const err = await labConnector(lab)(host.address, 1).then(
      () => Object.assign(new Error('connected'), { code: undefined }),
      (e: unknown) => e as Error & { code?: string },
    );
    expect(err.message).toBe(`connecting to ${host.address}:1 from namespace ${lab.controller.namespace} failed: ECONNREFUSED`);
    expect(err.code).toBe('ECONNREFUSED');
  });

  it('lets a process that used it exit by itself, and leaves no process of its own in the controller', async () => {
    const host = lab.hosts[0];
    if (!host) throw new Error('the lab has no host');
    // The dialers of the connectors made above live as long as this test process.
    const before = await controllerPids(lab);
    const module = fileURLToPath(new URL('./controller-connector.ts', import.meta.url));
    const script = [
      `import { namespaceConnector } from ${JSON.stringify(module)};`,
      `const s = await namespaceConnector(${JSON.stringify(lab.controller.namespace)})(${JSON.stringify(host.address)}, 22);`,
      "s.once('data', (d) => { console.log(String(d).split('\\n')[0].trim()); s.destroy(); });",
    ].join('\n');
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^SSH-2\.0-OpenSSH/);
    expect(r.status).toBe(0);
    // The dialer sees its channel close when the process ends; give it a moment to exit.
    for (let i = 0; i < 50 && (await controllerPids(lab)).length > before.length; i++) await sleep(100);
    expect(await controllerPids(lab)).toEqual(before);
  });
  it('ends a dial the caller gave up on, so a host that drops SYNs does not hold the process for the SYN retries', async () => {
    const host = lab.hosts[1];
    if (!host) throw new Error('the lab has no second host');
    await cutSsh(lab, host.name);
    try {
      // Both connectors, each in a process of its own that gives up after half a second and must
      // then exit by itself: before, each lived on until the kernel's SYN retries ran out (~127 s).
      const connectors = {
        lab: [
          fileURLToPath(new URL('./controller-connector.ts', import.meta.url)),
          'namespaceConnector',
          lab.controller.namespace,
        ],
        tcp: [fileURLToPath(new URL('../ssh/connector.ts', import.meta.url)), 'tcpConnector', ''],
      } as const;
      for (const [kind, [module, exported, ns]] of Object.entries(connectors)) {
        const connector = kind === 'lab' ? `${exported}(${JSON.stringify(ns)})` : exported;
        const script = [
          `import { ${exported} } from ${JSON.stringify(module)};`,
          `await ${connector}(${JSON.stringify(host.address)}, 22, AbortSignal.timeout(500)).then(`,
          "  (s) => { console.log('connected'); s.destroy(); },",
          '  (e) => console.log(e.code),',
          ');',
        ].join('\n');
        const node = [process.execPath, '--import', 'tsx', '--input-type=module', '-e', script];
        // The tcp connector dials from where it runs: inside the controller, the lab's only way in.
        const argv = kind === 'lab' ? node : nsArgv(lab.controller.namespace, node);
        const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', timeout: 60_000 });
        expect([kind, r.signal, r.status, r.stdout.trim(), r.stderr]).toEqual([kind, null, 0, 'ETIMEDOUT', '']);
      }
    } finally {
      await restoreSsh(lab, host.name);
    }
  });
});
