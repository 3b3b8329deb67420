/**
 * File access for the backend: bounded UTF-8 reads with errors that name the path, and atomic
 * writes (temp file in the same folder + fsync + rename) so a crash or a full disk never leaves a
 * half-written topology behind (rename(2) replaces the target atomically on one filesystem).
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { AppError } from '../../../shared/errors/catalogue';

/** Topology files are small; anything bigger is almost surely the wrong file, so refuse it early. */
export const MAX_READ_BYTES = 20 * 1024 * 1024;

/**
 * Resolves a path typed by the user: `~/x` against the home folder, a relative path against
 * `workingDirectory` (web mode has no native dialog, so people type paths).
 */
export function resolveUserPath(input: string, workingDirectory: string): string {
  if (input.includes('\0'))
    throw new AppError('BAD_REQUEST', 'The path contains a NUL character.', { path: input.replaceAll('\0', '\\0') });
  if (input === '~') return homedir();
  if (input.startsWith('~/')) return path.join(homedir(), input.slice(2));
  return path.resolve(workingDirectory, input);
}

function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/** A short reason without the stack, e.g. "permission denied" for EACCES. */
function reason(err: unknown): string {
  switch (errnoCode(err)) {
    case 'ENOENT':
      return 'no such file or folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a folder, not a file';
    case 'ENOTDIR':
      return 'a part of the path is not a folder';
    case 'ENOSPC':
      return 'the disk is full';
    case 'EROFS':
      return 'the filesystem is read-only';
    case 'EEXIST':
      return 'the file already exists';
    default:
      return errnoCode(err) ?? 'unexpected error';
  }
}

/** Reads a UTF-8 text file of at most `maxBytes`. Throws AppError FILE_NOT_FOUND / FILE_READ_FAILED naming the path. */
export async function readTextFile(file: string, maxBytes = MAX_READ_BYTES): Promise<string> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, fsConstants.O_RDONLY);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw new AppError('FILE_NOT_FOUND', `The file ${file} does not exist.`, { path: file });
    throw new AppError('FILE_READ_FAILED', `The file ${file} could not be read: ${reason(err)}.`, { path: file });
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw new AppError('FILE_READ_FAILED', `${file} is a folder, not a file.`, { path: file });
    if (!stat.isFile()) throw new AppError('FILE_READ_FAILED', `${file} is not a regular file.`, { path: file });
    if (stat.size > maxBytes) {
      throw new AppError('FILE_READ_FAILED', `The file ${file} is ${stat.size} bytes; the limit is ${maxBytes} bytes.`, {
        path: file,
        bytes: stat.size,
        limit: maxBytes,
      });
    }
    let bytes: Buffer;
    try {
      bytes = await handle.readFile();
    } catch (err) {
      throw new AppError('FILE_READ_FAILED', `The file ${file} could not be read: ${reason(err)}.`, { path: file });
    }
    if (bytes.length > maxBytes) {
      throw new AppError('FILE_READ_FAILED', `The file ${file} grew past the limit of ${maxBytes} bytes while being read.`, {
        path: file,
      });
    }
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new AppError('FILE_READ_FAILED', `The file ${file} is not UTF-8 text.`, { path: file });
    }
  } finally {
    await handle.close();
  }
}

/**
 * Writes `text` to `file` atomically: a temp file in the same folder is written, fsynced and renamed
 * over the target, then the folder is fsynced so the rename itself survives a power cut.
 * An existing target keeps its permission bits unless `requestedMode` is given (the umask applies to
 * it, as to open(2)); a symlink target is followed (the link stays).
 * Throws AppError FILE_WRITE_FAILED naming the path.
 */
export async function writeFileAtomic(file: string, text: string, requestedMode?: number): Promise<number> {
  let target = file;
  let mode = requestedMode ?? 0o644;
  try {
    const real = await fs.realpath(file);
    target = real;
    if (requestedMode === undefined) mode = (await fs.stat(real)).mode & 0o7777;
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') {
      throw new AppError('FILE_WRITE_FAILED', `The file ${file} could not be written: ${reason(err)}.`, { path: file });
    }
  }
  const dir = path.dirname(target);
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const data = Buffer.from(text, 'utf8');
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(temp, 'wx', mode);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(temp, target);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await fs.rm(temp, { force: true }).catch(() => undefined);
    const why = errnoCode(err) === 'ENOENT' ? `the folder ${dir} does not exist` : reason(err);
    throw new AppError('FILE_WRITE_FAILED', `The file ${file} could not be written: ${why}.`, { path: file });
  }
  await syncDirectory(dir);
  return data.length;
}

/** Best effort: some filesystems (and Windows) cannot open a folder for fsync; the data is already safe there. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, fsConstants.O_RDONLY);
    await handle.sync();
  } catch {
    // Not supported here; the rename has still happened.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
