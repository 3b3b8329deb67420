/**
 * A `Connector` for the SSH pool that dials lab hosts from the lab's controller namespace, like
 * OpenSSH's ProxyCommand: a tiny Node TCP relay runs under `ip netns exec <ctl>` and its stdin and
 * stdout become the SSH stream. The root namespace has no route to the lab, so every packet of a
 * test or the demo leaves from the controller, which reaches the lab and nothing else.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { Duplex } from 'node:stream';
import type { Connector } from '../ssh/connector';
import { nsArgv } from './netns-exec';
import type { LabState } from './state';

/**
 * The relay run inside the namespace (`node -e RELAY host port`): it reports `CONNECTED` or
 * `ERROR <errno code>` on stderr, then copies bytes both ways until either side closes.
 */
const RELAY = [
  "const s = require('net').connect(Number(process.argv[2]), process.argv[1]);",
  's.setNoDelay(true);',
  "s.on('connect', () => { process.stderr.write('CONNECTED\\n'); process.stdin.pipe(s); s.pipe(process.stdout); });",
  "s.on('error', (e) => { process.stderr.write('ERROR ' + (e.code || e.message) + '\\n'); process.exit(2); });",
  "s.on('close', () => process.exit(0));",
  "process.stdin.on('end', () => s.end());",
].join('\n');

/** The relay child's stdio as one Duplex; destroying it kills the relay. */
class RelayStream extends Duplex {
  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    super();
    child.stdout.on('data', (d: Buffer) => {
      if (!this.push(d)) child.stdout.pause();
    });
    child.stdout.on('end', () => this.push(null));
    child.stdin.on('error', (err) => this.destroy(err));
    child.on('exit', () => setImmediate(() => this.destroy()));
  }
  override _read(): void {
    this.child.stdout.resume();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.child.stdin.write(chunk, cb);
  }
  override _final(cb: (err?: Error | null) => void): void {
    this.child.stdin.end();
    cb();
  }
  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    cb(err);
  }
}

/** Streams to `host:port` opened from inside network namespace `namespace` (e.g. a lab's controller). */
export function namespaceConnector(namespace: string): Connector {
  return (host, port) =>
    new Promise((resolve, reject) => {
      const [file, ...args] = nsArgv(namespace, [process.execPath, '-e', RELAY, host, String(port)]);
      const child = spawn(file as string, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      let stderr = '';
      let settled = false;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        fn();
      };
      child.on('error', (err) => settle(() => reject(err)));
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (d: string) => {
        stderr += d;
        const line = stderr.split('\n')[0] ?? '';
        if (!stderr.includes('\n')) return;
        if (line === 'CONNECTED') settle(() => resolve(new RelayStream(child)));
        else {
          const code = /^ERROR (\S+)/.exec(line)?.[1];
          settle(() =>
            reject(
              Object.assign(
                new Error(`connecting to ${host}:${port} from namespace ${namespace} failed: ${line}`),
                code ? { code } : {},
              ),
            ),
          );
          child.kill('SIGKILL');
        }
      });
      child.on('exit', (code, signal) => {
        settle(() =>
          reject(
            new Error(
              `the relay in namespace ${namespace} exited (${code ?? signal ?? '?'}) before connecting: ${stderr.trim()}`,
            ),
          ),
        );
      });
    });
}

/** The connector for a lab: dials from its controller namespace. */
export function labConnector(lab: LabState): Connector {
  return namespaceConnector(lab.controller.namespace);
}
