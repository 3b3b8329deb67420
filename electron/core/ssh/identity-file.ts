/**
 * Reading an SSH identity (private key) file named in a topology or on the command line. The path
 * comes from a file someone else may have written, so it is read defensively: a FIFO would block
 * the read forever, /dev/zero or /dev/urandom would fill memory, a directory or a huge file is a
 * mistake. Only a regular file of at most MAX_IDENTITY_FILE_BYTES is read.
 */
import { constants, promises as fs } from 'node:fs';

/**
 * The largest identity file read. An OpenSSH RSA-16384 key (the largest ssh-keygen makes) is
 * about 12 KiB; 64 KiB leaves room for any real key and comments.
 */
export const MAX_IDENTITY_FILE_BYTES = 64 * 1024;

/** Why an identity file was not read: the file's own fault, said in words for the error message. */
export class IdentityFileRefused extends Error {}

function kindOf(stat: {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSocket(): boolean;
}): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a named pipe (FIFO)';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * The bytes of the identity file at `path`. Checks the file it actually opened (fstat on the open
 * descriptor, so a swap between check and read cannot slip another file in) and reads at most one
 * byte past the limit, so a file that grows after the check is refused too.
 *
 * @throws IdentityFileRefused when it is not a regular file or is larger than MAX_IDENTITY_FILE_BYTES;
 *   the errno error (ENOENT, EACCES...) when it cannot be opened.
 */
export async function readIdentityFile(path: string): Promise<Buffer> {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever.
  const handle = await fs.open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new IdentityFileRefused(`it is ${kindOf(stat)}, not a regular file`);
    if (stat.size > MAX_IDENTITY_FILE_BYTES)
      throw new IdentityFileRefused(
        `it is ${stat.size} bytes, larger than a key can be (${MAX_IDENTITY_FILE_BYTES} bytes at most)`,
      );
    const buffer = Buffer.alloc(MAX_IDENTITY_FILE_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_IDENTITY_FILE_BYTES)
        throw new IdentityFileRefused(`it grew past ${MAX_IDENTITY_FILE_BYTES} bytes while being read`);
    }
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}
