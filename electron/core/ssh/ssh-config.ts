/**
 * The OpenSSH client config (`~/.ssh/config`, ssh_config(5)) as admins use it: Host aliases and
 * patterns, HostName, User, Port, IdentityFile, IdentitiesOnly and ProxyJump, with `Include`.
 *
 * The `ssh-config` package tokenises each line (quotes, `=` or blanks); computing the values is
 * done here because the package leaves `Include` to the caller, matches `?` as "zero or one
 * character" and reports no line numbers. Each line is tokenised on its own (ssh_config has no
 * construct spanning lines), so every value and every error can name its file and line.
 *
 * Order, as ssh does (command line > config): a field the drawing (or the CLI) sets wins; the
 * drawing's defaults (port 22, user root, ssh-agent auth) count as "not set", so the config fills
 * them. Within the config the first obtained value wins.
 */
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import SSHConfig, { LineType } from 'ssh-config';
import { AppError } from '../../../shared/errors/catalogue';

/** One directive with where it was read. */
interface Entry {
  keyword: string;
  args: string[];
  file: string;
  line: number;
}

/** A block: the lines before the first Host (always applies), a Host block or a Match block. */
interface Block {
  kind: 'all' | 'host' | 'match';
  /** Host patterns, or the Match criteria as [keyword, argument] pairs. */
  patterns: string[];
  criteria: [string, string | undefined][];
  entries: Entry[];
}

/** Where a resolved value came from (for the inspector and error messages). */
export interface ConfigSource {
  keyword: string;
  value: string;
  file: string;
  line: number;
}

/** One hop or the final host, resolved through the config. */
export interface ResolvedEndpoint {
  /** What was asked for (the alias as written). */
  alias: string;
  host: string;
  port: number;
  user: string;
  /** IdentityFile values, expanded (~ and % tokens), in config order. */
  identityFiles: string[];
  identitiesOnly: boolean;
}

export interface SshResolution extends ResolvedEndpoint {
  /** Jump hosts in order (ProxyJump), each resolved through the config too; [] = direct. */
  jumps: ResolvedEndpoint[];
  /** The config lines that gave a value. */
  sources: ConfigSource[];
}

/** Fields the drawing (or the CLI) set explicitly; they win over the config. */
export interface ExplicitFields {
  port?: number;
  user?: string;
  /** ProxyJump-style list, comma-separated. */
  jump?: string;
}

/** ssh_config(5) patterns: `*` any run, `?` exactly one character; case-insensitive like OpenSSH host matching. */
function wildcard(pattern: string, text: string): boolean {
  const re = pattern
    .replace(/[\\^$.+()|{}[\]]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^(?:${re})$`, 'i').test(text);
}

/**
 * A pattern list matches when one pattern matches and no negated (`!`) one does.
 *
 * @example
 * patternListMatches(['*.lab', '!db.lab'], 'web.lab')  // true
 * patternListMatches(['*.lab', '!db.lab'], 'db.lab')   // false
 */
export function patternListMatches(patterns: readonly string[], name: string): boolean {
  let matched = false;
  for (const p of patterns.flatMap((x) => x.split(','))) {
    if (p.startsWith('!')) {
      if (wildcard(p.slice(1), name)) return false;
    } else if (wildcard(p, name)) matched = true;
  }
  return matched;
}

function configError(file: string, line: number, message: string): AppError {
  return new AppError('SSH_CONFIG_INVALID', `${file}:${line}: ${message}`, { file, line });
}

function argsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((v: { val: string }) => v.val);
  return typeof value === 'string' ? [value] : [];
}

/** `~/x` -> home/x (ssh_config(5) allows `~` in IdentityFile and Include). */
function expandTilde(p: string, home: string): string {
  return p === '~' ? home : p.startsWith('~/') ? path.join(home, p.slice(2)) : p;
}

/** Expands `*`/`?` in any path segment, sorted like glob(3); a pattern with no match yields nothing. */
async function globPath(pattern: string): Promise<string[]> {
  const parts = pattern.split('/');
  let found = [parts[0] === '' ? '/' : (parts[0] ?? '')];
  for (const part of parts.slice(1)) {
    if (part === '') continue;
    if (!/[*?]/.test(part)) {
      found = found.map((dir) => path.join(dir, part));
      continue;
    }
    const next: string[] = [];
    for (const dir of found) {
      const names = await readdir(dir).catch(() => [] as string[]);
      for (const n of names.sort()) if (!n.startsWith('.') && wildcard(part, n)) next.push(path.join(dir, n));
    }
    found = next;
  }
  return found;
}

export interface LoadOptions {
  /** Home for `~` and relative Include paths (~/.ssh); default os.homedir(). */
  home?: string;
}

/** A parsed OpenSSH client config (with its Include files), ready to resolve host names. */
export class SshClientConfig {
  private constructor(
    private readonly blocks: Block[],
    private readonly home: string,
    /** The files read, in order (the main file first). */
    readonly files: string[],
  ) {}

  /** An empty config (no file): every name resolves to itself. */
  static empty(home = os.homedir()): SshClientConfig {
    return new SshClientConfig([], home, []);
  }

  /**
   * Reads `file` and its Include files. A missing main file is an empty config when `optional`
   * (the default ~/.ssh/config); an unreadable or malformed one is SSH_CONFIG_INVALID naming file and line.
   */
  static async load(file: string, opts: LoadOptions & { optional?: boolean } = {}): Promise<SshClientConfig> {
    const home = opts.home ?? os.homedir();
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && opts.optional === true) return SshClientConfig.empty(home);
      throw new AppError('SSH_CONFIG_INVALID', `cannot read the SSH config ${file}: ${code ?? String(err)}`, { file, line: 0 });
    }
    const blocks: Block[] = [{ kind: 'all', patterns: [], criteria: [], entries: [] }];
    const files: string[] = [];
    await SshClientConfig.parseInto(blocks, text, file, home, files, 0);
    return new SshClientConfig(blocks, home, files);
  }

  /** Parses config text (tests, and `load`); Include paths are read from disk. */
  static async parse(text: string, file: string, opts: LoadOptions = {}): Promise<SshClientConfig> {
    const home = opts.home ?? os.homedir();
    const blocks: Block[] = [{ kind: 'all', patterns: [], criteria: [], entries: [] }];
    const files: string[] = [];
    await SshClientConfig.parseInto(blocks, text, file, home, files, 0);
    return new SshClientConfig(blocks, home, files);
  }

  private static async parseInto(
    blocks: Block[],
    text: string,
    file: string,
    home: string,
    files: string[],
    depth: number,
  ): Promise<void> {
    // OpenSSH's READCONF_MAX_DEPTH: Include loops end here instead of recursing forever.
    if (depth > 16) throw configError(file, 0, 'Include nested too deeply (a loop?)');
    files.push(file);
    const lines = text.split(/\r?\n/);
    for (const [i, raw] of lines.entries()) {
      const lineNo = i + 1;
      let parsed: SSHConfig;
      try {
        parsed = SSHConfig.parse(raw);
      } catch (err) {
        throw configError(file, lineNo, `cannot parse ${JSON.stringify(raw.trim())}: ${(err as Error).message}`);
      }
      const d = parsed[0];
      if (d?.type !== LineType.DIRECTIVE) continue;
      const keyword = d.param.toLowerCase();
      const args = argsOf(d.value);
      if (args.length === 0 || args.every((a) => a === '')) throw configError(file, lineNo, `${d.param} needs a value`);
      if (keyword === 'host') {
        blocks.push({ kind: 'host', patterns: args, criteria: [], entries: [] });
      } else if (keyword === 'match') {
        const criteria: [string, string | undefined][] = [];
        for (let k = 0; k < args.length; k++) {
          const c = (args[k] ?? '').toLowerCase();
          if (c === 'all' || c === 'canonical' || c === 'final') criteria.push([c, undefined]);
          else criteria.push([c.replace(/^!/, ''), args[++k]]);
        }
        blocks.push({ kind: 'match', patterns: [], criteria, entries: [] });
      } else if (keyword === 'include') {
        // ssh_config(5): relative Include paths are relative to ~/.ssh (user config); the files
        // join the block the Include is in.
        for (const arg of args.flatMap((a) => a.split(/\s+/)).filter((a) => a !== '')) {
          const expanded = expandTilde(arg, home);
          const pattern = path.isAbsolute(expanded) ? expanded : path.join(home, '.ssh', expanded);
          for (const inc of await globPath(pattern)) {
            let incText: string;
            try {
              incText = await readFile(inc, 'utf8');
            } catch (err) {
              throw configError(
                file,
                lineNo,
                `cannot read the included file ${inc}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
              );
            }
            const current = blocks[blocks.length - 1];
            const sub: Block[] = [
              { kind: current?.kind ?? 'all', patterns: current?.patterns ?? [], criteria: current?.criteria ?? [], entries: [] },
            ];
            await SshClientConfig.parseInto(sub, incText, inc, home, files, depth + 1);
            // Lines of an included file before its own first Host belong to the including block.
            current?.entries.push(...(sub[0]?.entries ?? []));
            blocks.push(...sub.slice(1));
            // Blocks after the Include keep the including block's condition (as OpenSSH does).
            if (sub.length > 1 && current) blocks.push({ ...current, entries: [] });
          }
        }
      } else {
        blocks[blocks.length - 1]?.entries.push({ keyword, args, file, line: lineNo });
      }
    }
  }

  private blockApplies(b: Block, original: string, host: string, user: string): boolean {
    if (b.kind === 'all') return true;
    if (b.kind === 'host') return patternListMatches(b.patterns, original);
    for (const [c, arg] of b.criteria) {
      const list = (arg ?? '').split(',');
      if (c === 'all') continue;
      if (c === 'host' && patternListMatches(list, host)) continue;
      if (c === 'originalhost' && patternListMatches(list, original)) continue;
      if (c === 'user' && patternListMatches(list, user)) continue;
      if (c === 'localuser' && patternListMatches(list, os.userInfo().username)) continue;
      // exec, canonical, final, localnetwork...: never run (a config must not make us run commands); the block is skipped.
      return false;
    }
    return true;
  }

  /** First obtained value of each keyword for `name` (IdentityFile collects every value). */
  private collect(name: string, userHint: string): Map<string, Entry[]> {
    const found = new Map<string, Entry[]>();
    for (const b of this.blocks) {
      const hostSoFar = found.get('hostname')?.[0]?.args[0] ?? name;
      const userSoFar = found.get('user')?.[0]?.args[0] ?? userHint;
      if (!this.blockApplies(b, name, hostSoFar, userSoFar)) continue;
      for (const e of b.entries) {
        const prev = found.get(e.keyword);
        if (e.keyword === 'identityfile') found.set(e.keyword, [...(prev ?? []), e]);
        else if (!prev) found.set(e.keyword, [e]);
      }
    }
    return found;
  }

  /** Resolves one name (an alias, a pattern match or a plain host) to its endpoint. */
  private endpoint(
    alias: string,
    explicit: { port?: number; user?: string },
    fallbackUser: string,
    sources: ConfigSource[],
  ): ResolvedEndpoint & { proxyJump?: Entry } {
    const localUser = os.userInfo().username;
    const found = this.collect(alias, explicit.user ?? fallbackUser);
    const note = (e: Entry | undefined, value: string): void => {
      if (e) sources.push({ keyword: e.keyword, value, file: e.file, line: e.line });
    };
    const hostEntry = found.get('hostname')?.[0];
    // %h in HostName is the name given on the command line (ssh_config(5) TOKENS).
    const host = hostEntry ? (hostEntry.args[0] ?? alias).replace(/%h/g, alias).replace(/%%/g, '%') : alias;
    note(hostEntry, host);
    let port = explicit.port;
    if (port === undefined) {
      const e = found.get('port')?.[0];
      port = 22;
      if (e) {
        const n = Number(e.args[0]);
        if (!Number.isInteger(n) || n < 1 || n > 65535)
          throw configError(e.file, e.line, `Port ${JSON.stringify(e.args[0])} is not 1-65535`);
        port = n;
        note(e, String(n));
      }
    }
    let user = explicit.user;
    if (user === undefined) {
      const e = found.get('user')?.[0];
      user = e?.args[0] ?? fallbackUser;
      note(e, user);
    }
    const tokens: Record<string, string> = { '%': '%', d: this.home, u: localUser, h: host, r: user, p: String(port), n: alias };
    const identityFiles: string[] = [];
    for (const e of found.get('identityfile') ?? []) {
      const raw = e.args[0] ?? '';
      if (raw.toLowerCase() === 'none') continue;
      const expanded = expandTilde(
        raw.replace(/%(.)/g, (m, t: string) => tokens[t] ?? m),
        this.home,
      );
      const abs = path.isAbsolute(expanded) ? expanded : path.join(this.home, expanded);
      identityFiles.push(abs);
      note(e, abs);
    }
    const only = found.get('identitiesonly')?.[0];
    note(only, only?.args[0] ?? '');
    const proxyJump = found.get('proxyjump')?.[0];
    return {
      alias,
      host,
      port,
      user,
      identityFiles,
      identitiesOnly: only?.args[0]?.toLowerCase() === 'yes',
      ...(proxyJump ? { proxyJump } : {}),
    };
  }

  /**
   * Resolves `name` (a drawing's `ssh.host`, maybe an alias) with the fields set explicitly, which win.
   * ProxyJump hops are `[user@]host[:port]` (or `ssh://[user@]host[:port]`), each resolved through the config
   * too; `none` means direct. A user neither set nor configured is `fallbackUser` (the drawing's, root by
   * default; for a jump host, the target's user, as the drawing's `jump` has always meant).
   */
  resolve(name: string, explicit: ExplicitFields = {}, fallbackUser = 'root'): SshResolution {
    const sources: ConfigSource[] = [];
    const { proxyJump, ...target } = this.endpoint(name, explicit, fallbackUser, sources);
    let jumpText: string | undefined = explicit.jump;
    let jumpAt: { file: string; line: number } | undefined;
    if (jumpText === undefined && proxyJump) {
      jumpText = proxyJump.args.join(',');
      jumpAt = { file: proxyJump.file, line: proxyJump.line };
      sources.push({ keyword: 'proxyjump', value: jumpText, file: proxyJump.file, line: proxyJump.line });
    }
    const jumps: ResolvedEndpoint[] = [];
    if (jumpText !== undefined && jumpText.toLowerCase() !== 'none') {
      for (const hop of jumpText.split(',').map((h) => h.trim())) {
        let parsed: { user?: string; host: string; port?: number };
        try {
          parsed = parseHop(hop);
        } catch (err) {
          if (jumpAt) throw configError(jumpAt.file, jumpAt.line, (err as Error).message);
          throw new AppError('SSH_CONFIG_INVALID', (err as Error).message, { jump: jumpText });
        }
        const { proxyJump: _ignored, ...ep } = this.endpoint(
          parsed.host,
          {
            ...(parsed.port === undefined ? {} : { port: parsed.port }),
            ...(parsed.user === undefined ? {} : { user: parsed.user }),
          },
          target.user,
          sources,
        );
        jumps.push({ ...ep, alias: hop });
      }
    }
    return { ...target, jumps, sources };
  }
}

/**
 * One ProxyJump hop: `[user@]host[:port]`, `[user@][v6]:port` or `ssh://[user@]host[:port]`.
 *
 * @example
 * parseHop('admin@bastion:2222')  // { user: 'admin', host: 'bastion', port: 2222 }
 */
export function parseHop(hop: string): { user?: string; host: string; port?: number } {
  const text = hop.startsWith('ssh://') ? hop.slice('ssh://'.length).replace(/\/$/, '') : hop;
  const at = text.lastIndexOf('@');
  const user = at >= 0 ? text.slice(0, at) : undefined;
  const rest = at >= 0 ? text.slice(at + 1) : text;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  let host: string;
  let portText: string | undefined;
  if (bracket) {
    host = bracket[1] ?? '';
    portText = bracket[2];
  } else {
    const parts = rest.split(':');
    if (parts.length === 2) [host, portText] = parts as [string, string];
    else host = rest;
  }
  const port = portText === undefined ? undefined : Number(portText);
  if (host === '' || user === '' || (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)))
    throw new Error(`jump host ${JSON.stringify(hop)} must look like [user@]host[:port]`);
  return { ...(user === undefined ? {} : { user }), host, ...(port === undefined ? {} : { port }) };
}

/** ~/.ssh/config of the user running VXLAN Studio. */
export function defaultSshConfigFile(): string {
  return path.join(os.homedir(), '.ssh', 'config');
}
