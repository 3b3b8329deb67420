/**
 * The quick entry's writer: text goes to the descriptor by system call, and what a full
 * non-blocking pipe does not take goes to the stream, whole and in order. Real kernel pipes
 * (a FIFO opened non-blocking at both ends), no mock of fs.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { directWriter } from './quick';

const dir = mkdtempSync(path.join(tmpdir(), 'vxs-quick-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A FIFO opened non-blocking at both ends: nothing reads it until the test does. */
function fifo(name: string): { reader: number; writer: number } {
  const file = path.join(dir, name);
  const made = spawnSync('mkfifo', [file]);
  if (made.status !== 0) throw new Error(`mkfifo failed: ${String(made.stderr)}`);
  const reader = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(file, constants.O_WRONLY | constants.O_NONBLOCK);
  return { reader, writer };
}

/** Everything the pipe holds now. */
function drain(fd: number): Buffer {
  const chunks: Buffer[] = [];
  const buf = Buffer.alloc(65_536);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buf);
    } catch {
      break; // EAGAIN: empty
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks);
}

/** A stand-in for process.stdout that keeps what it is given. */
function collector(): { stream: PassThrough; taken: () => Buffer } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, taken: () => Buffer.concat(chunks) };
}

describe('directWriter', () => {
  it('writes to the descriptor and adds the missing newline, without building the stream', () => {
    const { reader, writer } = fifo('short');
    let built = 0;
    const write = directWriter(writer, () => {
      built++;
      return new PassThrough();
    });
    write('one');
    write('two\n');
    expect(drain(reader).toString()).toBe('one\ntwo\n');
    expect(built).toBe(0);
    closeSync(reader);
    closeSync(writer);
  });

  it('hands what a full non-blocking pipe does not take to the stream, whole and in order, and keeps to the stream after', async () => {
    const { reader, writer } = fifo('full');
    const sink = collector();
    const write = directWriter(writer, () => sink.stream);
    // Far more than a pipe holds (64 KiB by default on Linux), in lines that say where they were.
    const long = Array.from({ length: 20_000 }, (_, i) => `line ${i}`).join('\n');
    write(long);
    const first = drain(reader);
    // The pipe has room again, but the stream holds text: this must follow it, not overtake it.
    write('after');
    await new Promise((resolve) => setImmediate(resolve));
    const second = drain(reader);
    expect(first.length).toBeGreaterThan(0);
    expect(sink.taken().length).toBeGreaterThan(0);
    expect(Buffer.concat([first, second, sink.taken()]).toString()).toBe(`${long}\nafter\n`);
    closeSync(reader);
    closeSync(writer);
  });
});
