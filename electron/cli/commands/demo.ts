/**
 * `vxlan-studio demo` (`sudo npm run demo`): a lab of real hosts, a topology aimed at it, and the app
 * in web mode deploying to it over SSH through the lab's controller namespace. Ctrl+C stops the
 * server and removes the lab.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync } from 'node:fs';
import path from 'node:path';
import {
  createBackend,
  createDeployService,
  createHealthService,
  createSshService,
  type DeployHandlerOptions,
} from '../../core/backend';
import { removeLockFiles } from '../../core/lab/lab-check';
import { isRoot, labDown, labSshOptions, labUp, MAX_HOSTS, writeLabTopology } from '../../core/lab/index';
import { startWebServer, type WebServer } from '../../core/web';
import { boolFlag, intArg, parseArgs, stringFlag, UsageError } from '../args';
import { defaultDataDir, packageVersion, ROOT } from '../app-info';
import { untilStopSignal } from '../signals';
import { EXIT_FAILED, EXIT_OK, type CliIo, type Command } from '../command';

export const DEMO_LAB = 'demo';
export const DEMO_FILE = 'demo.vxlan.json';

const USAGE = `Usage: sudo vxlan-studio demo [--hosts N] [--port N] [--file PATH] [--no-open]      (npm: sudo npm run demo)

Brings up (or reuses) the lab "${DEMO_LAB}": N real Linux hosts (network namespaces with their own sshd,
on two routed subnets), writes a topology aimed at them to ./${DEMO_FILE} (one VXLAN segment, VNI 100,
a bridge and an overlay address per host), and serves VXLAN Studio in the browser. Deploy in the app
connects over SSH from the lab's controller namespace. Ctrl+C stops the server and removes the lab.

The browser is opened with a one-time login URL and another one is printed (each logs in one
browser, once). The page may only read and write files in the folder of the topology file (the
workspace), never the app data folder (its known_hosts), although the demo runs as root.

Options:
  --hosts N    lab hosts, 2-${MAX_HOSTS} (default 3)
  --port N     web port on 127.0.0.1 (default: a free one)
  --file PATH  where to write the topology (default ./${DEMO_FILE}); its folder is the workspace
  --no-open    do not try to open a browser (one is tried only when a display exists)`;

/**
 * Opens the URL in a browser as the user who ran sudo (never as root) when a display exists.
 * `url` must be a one-time login URL: it is on xdg-open's command line, which every local user can read.
 */
function tryOpen(url: string, io: CliIo): void {
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return;
  if (spawnSync('sh', ['-c', 'command -v xdg-open'], { encoding: 'utf8' }).status !== 0) return;
  const user = process.env.SUDO_USER;
  const argv = user !== undefined && user !== 'root' ? ['runuser', '-u', user, '--', 'xdg-open', url] : ['xdg-open', url];
  const child = spawn(argv[0] as string, argv.slice(1), { stdio: 'ignore', detached: true });
  child.on('error', () => io.err('vxlan-studio demo: could not start a browser; open the URL yourself.'));
  child.unref();
}

function ensureRenderer(staticDir: string, io: CliIo): boolean {
  if (existsSync(path.join(staticDir, 'index.html'))) return true;
  io.err('vxlan-studio demo: building the web app (npm run build:renderer)...');
  const r = spawnSync('npm', ['run', '-s', 'build:renderer'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  return r.status === 0 && existsSync(path.join(staticDir, 'index.html'));
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { hosts: 'string', port: 'string', file: 'string', 'no-open': 'boolean' });
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0] ?? ''}"`);
  const hostsText = stringFlag(args, 'hosts');
  const portText = stringFlag(args, 'port');
  const hosts = hostsText === undefined ? 3 : intArg(hostsText, '--hosts', 2, MAX_HOSTS);
  const port = portText === undefined ? 0 : intArg(portText, '--port', 0, 65535);
  const file = path.resolve(io.cwd, stringFlag(args, 'file') ?? DEMO_FILE);
  if (!isRoot()) {
    io.err('vxlan-studio demo: the lab needs root (network namespaces and sshd); run `sudo npm run demo`.');
    return EXIT_FAILED;
  }
  const staticDir = path.join(ROOT, 'dist', 'renderer');
  if (!ensureRenderer(staticDir, io)) {
    io.err('vxlan-studio demo: the web app could not be built; run `npm run build:renderer` and look at its errors.');
    return EXIT_FAILED;
  }

  io.err(`vxlan-studio demo: bringing up lab "${DEMO_LAB}" with ${hosts} hosts...`);
  const { state: lab, reused } = await labUp({ name: DEMO_LAB, hosts });
  let server: WebServer | undefined;
  const emit: NonNullable<DeployHandlerOptions['emit']> = (event, payload) => server?.emit(event, payload);
  // Deploy and live health both dial through the lab's controller namespace and stream their events
  // (progress, host-key questions, health.changed) to the page.
  // One SSH pool for both: one connection per host, one set of host-key and password questions.
  const ssh = createSshService({ ...labSshOptions(lab), emit });
  const service = createDeployService({ emit, ssh });
  const health = createHealthService({ emit, ssh });
  try {
    await writeLabTopology(lab, file, { id: 'demo', name: `Demo lab (${hosts} hosts)` });
    const uid = Number(process.env.SUDO_UID);
    const gid = Number(process.env.SUDO_GID);
    if (Number.isInteger(uid) && Number.isInteger(gid) && uid > 0) chownSync(file, uid, gid);
    const backend = {
      ...createBackend({
        dataDir: defaultDataDir(),
        version: packageVersion(),
        transport: 'ws',
        workingDirectory: path.dirname(file),
        // The demo runs as root: the page gets the topology's folder, not the machine.
        workspace: path.dirname(file),
        initialFile: file,
      }),
      ...service.handlers,
      ...health.handlers,
    };
    // npm sets npm_lifecycle_event: the page names the command the user actually typed.
    const launchCommand = process.env['npm_lifecycle_event'] === 'demo' ? 'sudo npm run demo' : 'sudo vxlan-studio demo';
    server = await startWebServer({ port, staticDir, backend, log: io.err, launchCommand });
    const stopped = untilStopSignal();
    io.err(
      `vxlan-studio demo: lab "${DEMO_LAB}" ${reused ? 'reused' : 'up'}: ${lab.hosts.map((h) => `${h.name} ${h.address}`).join(', ')}`,
    );
    io.err(`vxlan-studio demo: topology written to ${file} (open it in the app, press Deploy)`);
    // Two different one-time codes: the browser spends its own, the printed one stays usable.
    if (!boolFlag(args, 'no-open')) tryOpen(server.loginUrl(), io);
    io.out(`VXLAN Studio demo: ${server.loginUrl()}`);
    io.err('vxlan-studio demo: Ctrl+C stops the server and removes the lab.');
    await stopped;
    return EXIT_OK;
  } finally {
    await server?.close();
    await health.close();
    await service.close();
    await ssh.close();
    io.err(`vxlan-studio demo: removing lab "${DEMO_LAB}"...`);
    await labDown(DEMO_LAB);
    // The lab's hosts share this machine's /run/lock: drop the demo topology's lock files too.
    await removeLockFiles(['demo']);
  }
}

export const demoCommand: Command = {
  name: 'demo',
  usage: USAGE,
  run,
};
