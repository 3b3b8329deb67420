/**
 * `vxlan-studio serve`: web mode. Serves the built renderer and the API contract over a WebSocket,
 * on 127.0.0.1 and a random free port by default. The one printed line is a one-time login URL;
 * the page may only read and write files in the workspace folder, never in the data folder.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import ipaddr from 'ipaddr.js';
import { createBackend, type DeployHandlerOptions } from '../../core/backend';
import { isLoopbackHost, startWebServer, type WebServer } from '../../core/web';
import { defaultSshConfigFile } from '../../core/ssh';
import { boolFlag, intArg, parseArgs, stringFlag, UsageError } from '../args';
import { loadSshConfigOption } from '../ssh-config-option';
import { defaultDataDir, packageVersion, ROOT } from '../app-info';
import { untilStopSignal } from '../signals';
import { EXIT_FAILED, EXIT_OK, type CliIo, type Command } from '../command';

const USAGE = `Usage: vxlan-studio serve [--workspace DIR] [--host ADDR] [--port N] [--data-dir DIR] [--static DIR] [--token T] [--allow-remote]
       [-F FILE]

Serves VXLAN Studio in the browser (web mode) and prints exactly one line:
  VXLAN Studio web mode: http://127.0.0.1:PORT/?login=CODE
Open that URL: it logs this browser in (a session cookie) and works only once. Stop with Ctrl+C.
The page may only open and save files inside the workspace folder (never the data folder, whose
known_hosts decides which hosts are trusted).

Options:
  --workspace DIR   the folder whose files the page may read and write; relative paths typed in the
                    app resolve against it (default: the current folder)
  --host ADDR       address to bind (default 127.0.0.1); a non-loopback address needs --allow-remote
  --port N          TCP port, 0 = a free one (default 0)
  --data-dir DIR    where known_hosts, recent files and the autosave live (default $XDG_CONFIG_HOME/vxlan-studio or ~/.config/vxlan-studio)
  --static DIR      the built renderer (default dist/renderer; build it with \`npm run build:renderer\`)
  --token T         for scripts: a SECRET (at least 16 printable characters) a WebSocket client sends as
                    \`Authorization: Bearer T\`; whoever has it can read and write the workspace and deploy.
                    A command line is visible to every local user (ps), so pass it only where that is fine
  --allow-remote    allow binding a non-loopback address. RISK: anyone who can reach the port and log in
                    (or learns the token) can read and overwrite every file in the workspace and deploy to
                    your hosts with this process's SSH access; the traffic is plain
                    HTTP, so anyone on the path can read it. Use only on a network you trust
  -F FILE           OpenSSH client config to resolve host names through (default ~/.ssh/config when it exists)`;

function parseHost(text: string | undefined, allowRemote: boolean): string {
  const host = text ?? '127.0.0.1';
  if (host !== 'localhost' && !ipaddr.isValid(host))
    throw new UsageError(`--host must be an IP address or localhost, got "${host}"`);
  if (!isLoopbackHost(host) && !allowRemote) {
    throw new UsageError(
      `--host ${host} is not a loopback address; add --allow-remote if other machines should reach web mode (it reads and writes files as you)`,
    );
  }
  return host;
}

function parseToken(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (text.length < 16 || !/^[\x21-\x7e]+$/.test(text))
    throw new UsageError('--token must be at least 16 printable characters without spaces');
  return text;
}

/** The workspace folder: it must exist and be a folder, so a typo is a usage error, not an empty app. */
function parseWorkspace(text: string | undefined, cwd: string): string {
  const dir = path.resolve(cwd, text ?? '.');
  let isDirectory = false;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    throw new UsageError(`--workspace ${dir} does not exist; give an existing folder`);
  }
  if (!isDirectory) throw new UsageError(`--workspace ${dir} is not a folder; give the folder that holds your topology files`);
  return dir;
}

function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, {
    workspace: 'string',
    host: 'string',
    port: 'string',
    token: 'string',
    'data-dir': 'string',
    static: 'string',
    'allow-remote': 'boolean',
    F: 'string',
  });
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0] ?? ''}"`);
  const allowRemote = boolFlag(args, 'allow-remote');
  const host = parseHost(stringFlag(args, 'host'), allowRemote);
  const portText = stringFlag(args, 'port');
  const port = portText === undefined ? 0 : intArg(portText, '--port', 0, 65535);
  const token = parseToken(stringFlag(args, 'token'));
  const workspace = parseWorkspace(stringFlag(args, 'workspace'), io.cwd);
  const dataDirFlag = stringFlag(args, 'data-dir');
  const dataDir = dataDirFlag === undefined ? defaultDataDir() : path.resolve(io.cwd, dataDirFlag);
  const staticFlag = stringFlag(args, 'static');
  const staticDir = staticFlag === undefined ? path.join(ROOT, 'dist', 'renderer') : path.resolve(io.cwd, staticFlag);
  if (!existsSync(path.join(staticDir, 'index.html'))) {
    io.err(
      `vxlan-studio serve: the renderer is not built (${path.join(staticDir, 'index.html')} is missing); run npm run build:renderer first.`,
    );
    return EXIT_FAILED;
  }

  // -F FILE must be usable now; the default ~/.ssh/config may be missing (read again when the pool starts).
  const configFlag = stringFlag(args, 'F');
  if (configFlag !== undefined) await loadSshConfigOption(configFlag, io.cwd, false);
  const sshConfig =
    configFlag === undefined
      ? { file: defaultSshConfigFile(), optional: true }
      : { file: path.resolve(io.cwd, configFlag), optional: false };

  let server: WebServer | undefined;
  // Deploy progress, host-key questions and health.changed are pushed to the page over the socket.
  const emit: NonNullable<DeployHandlerOptions['emit']> = (event, payload) => server?.emit(event, payload);
  const backend = createBackend({
    dataDir,
    version: packageVersion(),
    transport: 'ws',
    workingDirectory: workspace,
    workspace,
    deploy: { emit, sshConfig },
  });
  try {
    // npm sets npm_lifecycle_event: the page names the command the user actually typed.
    const launchCommand = process.env['npm_lifecycle_event'] === 'serve' ? 'npm run serve' : 'vxlan-studio serve';
    server = await startWebServer({
      host,
      port,
      staticDir,
      backend,
      ...(token === undefined ? {} : { token }),
      log: io.err,
      launchCommand,
    });
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'EADDRINUSE')
      io.err(`vxlan-studio serve: port ${port} on ${host} is already in use; pick another --port or 0 for a free one.`);
    else if (code === 'EADDRNOTAVAIL') io.err(`vxlan-studio serve: ${host} is not an address of this machine.`);
    else if (code === 'EACCES') io.err(`vxlan-studio serve: not allowed to listen on port ${port}; use a port above 1023.`);
    else io.err(`vxlan-studio serve: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT_FAILED;
  }
  // Handlers go in before the URL is printed: whoever reads the line may signal us at once.
  const stopped = untilStopSignal();
  if (!isLoopbackHost(host)) {
    io.err(
      `vxlan-studio serve: warning: listening on ${host}; whoever logs in can read and write the files in ${workspace} and deploy to your hosts.`,
    );
  }
  // The terminal is the only place the login URL goes: never a command line, never a log file.
  io.out(`VXLAN Studio web mode: ${server.loginUrl()}`);

  await stopped;
  await server.close();
  return EXIT_OK;
}

export const serveCommand: Command = {
  name: 'serve',
  usage: USAGE,
  run,
};
