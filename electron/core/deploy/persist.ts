/**
 * Persistent configuration in the deploy: which network manager owns the host's underlay (read in
 * round trip 1 with the facts), the manager's files for the desired state (shared/plan/persist
 * renders them), and the file writes, removals and reload planned as steps for the one step
 * executor (steps.ts), so they share the run's lock, rollback and read-back with the link steps.
 *
 * Files are ours only when one of their first lines starts with `PERSIST_MARK_PREFIX` and names
 * this drawing's owner mark: a file without it is never written over or removed, on the host as
 * well as in the plan (the write and remove commands check the mark again right before acting).
 */
import type { Host } from '../../../shared/model';
import {
  detectManager,
  managerMissing,
  type ManagerDetection,
  type ObservedHostState,
  type PersistProbe,
} from '../../../shared/observe';
import { linkAlias, ownerMark, unifiedDiff, type DesiredHostState, type Step } from '../../../shared/plan';
import { PERSIST_DIRS } from '../../../shared/plan/persist/common';
import {
  PERSIST_MARK_PREFIX,
  type PersistFile,
  type PersistManager,
  type PersistRender,
  type PersistSetting,
} from '../../../shared/plan/persist/types';
import type { Diagnostic } from '../../../shared/validate/diagnostic';
import type { Section } from '../ssh/remote-script';

/** Lines of a file that may carry the mark: a header comment, possibly after a shebang or a YAML `---`. */
const MARK_LINES = 5;

/** A file of ours (or of another drawing) as read back from the host. */
export interface HostFile {
  path: string;
  content: string;
  mode: number;
}

/** What round trip 1 read for persistence. */
export interface PersistRead {
  probe: PersistProbe;
  /** Files in the drop-in places that carry the mark prefix (any drawing's). */
  marked: HostFile[];
  /** Files there without the mark: never ours, never touched. */
  foreign: string[];
}

/**
 * Where the managers read the files we write (their drop-in places, besides the admin's own files),
 * as the renderers place them: the read-back looks here, two levels deep for networkd's
 * `*.network.d/`.
 */
const SCAN_DIRS = [...new Set(Object.values(PERSIST_DIRS).flat())].map((d) => d.replace(/\/+$/, ''));

/**
 * Our files in the drop-in places, exactly (base64) with their modes, and the names of the files
 * there that are not ours. Symlinks count as not ours: writing through one would change a file
 * elsewhere. `$m` is the nonce, `$prefix` the mark prefix.
 */
/**
 * `marked FILE`: one of the first MARK_LINES lines holds `$prefix` (as `head | grep -qF` would say,
 * with shell builtins only: no two processes per file looked at, every round trip 1). Exported for its test.
 */
export const MARKED_FUNCTION = `marked() { vxs_n=0; vxs_l=; while [ $vxs_n -lt ${MARK_LINES} ] && { IFS= read -r vxs_l || [ -n "$vxs_l" ]; }; do case $vxs_l in *"$prefix"*) return 0;; esac; vxs_n=$((vxs_n+1)); vxs_l=; done <"$1" 2>/dev/null; return 1; }`;

const FILES_LOOP = [
  "nl='\n'",
  `for d in ${SCAN_DIRS.join(' ')}; do [ -d "$d" ] || continue; for f in "$d"/* "$d"/*/*; do case $f in *"$nl"*) continue;; esac; [ -f "$f" ] || [ -L "$f" ] || continue; if [ ! -L "$f" ] && marked "$f"; then printf '%s PERSIST_FILE %s %s\\n' "$m" "$(stat -c %a "$f")" "$f"; base64 -w0 "$f"; echo; else printf '%s PERSIST_FOREIGN %s\\n' "$m" "$f"; fi; done; done`,
];

/**
 * `show FILE`: prints the file as `cat` would, with shell builtins (no process per file, every round
 * trip 1); the manager files it reads are small text files. Exported for its test.
 */
export const SHOW_FUNCTION = `show() { vxs_s=; while IFS= read -r vxs_s; do printf '%s\\n' "$vxs_s"; done <"$1" 2>/dev/null; [ -z "$vxs_s" ] || printf '%s' "$vxs_s"; }`;

const PROBE_SCRIPT = [
  'm=$1; prefix=$2',
  MARKED_FUNCTION,
  SHOW_FUNCTION,
  // A networkd in this network namespace: lab hosts and containers share the process table with
  // the machine, and only the networkd of the host's own namespace configures its links.
  // The kernel cuts a process name (comm) to 15 characters: systemd-networkd reads `systemd-network`.
  // `-ef` (same device and inode) compares namespaces without a readlink process per networkd found:
  // a lab or container machine runs one networkd per namespace. (procps' pgrep --ns costs more CPU
  // than this loop of shell builtins.)
  // The pass over /proc reads every process's name (in a lab or on a container host, every host's), so
  // it runs only where a networkd may run: a running networkd keeps its state file in /run/systemd/netif
  // (written at start, left after it stops), so without that file no networkd runs here.
  'run=0',
  'if [ -e /run/systemd/netif/state ]; then for p in /proc/[0-9]*; do read -r c 2>/dev/null <"$p/comm" || continue; case $c in systemd-network|systemd-networkd) ;; *) continue;; esac; [ "$p/ns/net" -ef /proc/self/ns/net ] && { run=1; break; }; done; fi',
  `printf '%s PERSIST_NETWORKD %s\\n' "$m" "$run"`,
  `for f in /run/systemd/netif/links/*; do [ -f "$f" ] || continue; printf '%s PERSIST_NETIF %s\\n' "$m" "\${f##*/}"; show "$f"; echo; done`,
  // Our own files are left out of detection: they configure the overlay, not the underlay.
  `for f in /etc/netplan/*.yaml; do [ -f "$f" ] || continue; marked "$f" && continue; printf '%s PERSIST_NETPLAN %s\\n' "$m" "$f"; show "$f"; echo; done`,
  `for f in /etc/network/interfaces /etc/network/interfaces.d/*; do [ -f "$f" ] || continue; marked "$f" && continue; printf '%s PERSIST_IFACES %s\\n' "$m" "$f"; show "$f"; echo; done`,
  // ifupdown2's ifup is a Python program; classic ifupdown's is an ELF binary. ifup is found along PATH
  // as `command -v` would, without the subshell a `$(...)` costs. ifupdown2's is a symlink to a Python
  // script, whose first line says so without a process; anything else (classic ifupdown's ELF binary,
  // whose first "line" may run for kilobytes) is resolved and looked into as before.
  `u=; vxs_ifs=$IFS; IFS=:; set -f; for d in $PATH; do [ -f "\${d:-.}/ifup" ] && [ -x "\${d:-.}/ifup" ] && { u=\${d:-.}/ifup; break; }; done; set +f; IFS=$vxs_ifs`,
  `if [ -n "$u" ]; then l=; [ -L "$u" ] && IFS= read -r l <"$u" 2>/dev/null; case $l in '#!'*python*) f=ifupdown2;; *) u=$(readlink -f "$u"); case $u in *ifupdown2*) f=ifupdown2;; *) if head -c 300 "$u" 2>/dev/null | grep -qa -e python -e ifupdown2; then f=ifupdown2; else f=ifupdown; fi;; esac;; esac; printf '%s PERSIST_IFUP %s\\n' "$m" "$f"; fi`,
  `for c in networkctl netplan ifreload ifup nmcli; do command -v "$c" >/dev/null 2>&1 && printf '%s PERSIST_TOOL %s\\n' "$m" "$c"; done`,
  // nmcli waits on D-Bus; a NetworkManager that hangs must not hold the deploy.
  `if command -v nmcli >/dev/null 2>&1; then o=$(timeout 5 nmcli -t -f DEVICE,STATE device 2>/dev/null) && { printf '%s PERSIST_NMCLI\\n' "$m"; printf '%s\\n' "$o"; }; fi`,
  ...FILES_LOOP,
].join('\n');

/**
 * The probe (read only) as argv, run as root (some of these files are root-only: netplan yaml and
 * NetworkManager keyfiles are 0600): its sections are tagged `PERSIST_*` with the nonce `m`.
 */
export function persistProbeArgv(m: string): string[] {
  return ['sh', '-c', PROBE_SCRIPT, 'vxlan-studio-probe', m, PERSIST_MARK_PREFIX];
}

/** The read-back of our files after the steps (as root), opened by a `PERSIST_FILES` section. */
export function persistFilesArgv(m: string): string[] {
  const script = ['m=$1; prefix=$2', MARKED_FUNCTION, `printf '%s PERSIST_FILES\\n' "$m"`, ...FILES_LOOP].join('\n');
  return ['sh', '-c', script, 'vxlan-studio-files', m, PERSIST_MARK_PREFIX];
}

/** Collects the `PERSIST_*` sections of round trip 1 (in any order, among the other sections). */
export function parsePersistSections(sections: readonly Section[]): PersistRead {
  const probe: PersistProbe = { networkdRunning: false, networkdLinks: {}, netplan: [], interfacesD: [], tools: [] };
  const marked: HostFile[] = [];
  const foreign: string[] = [];
  const body = (s: Section): string => (s.body.endsWith('\n') ? s.body.slice(0, -1) : s.body);
  for (const s of sections) {
    switch (s.tag) {
      case 'PERSIST_NETWORKD':
        probe.networkdRunning = s.args.trim() === '1';
        break;
      case 'PERSIST_NETIF':
        probe.networkdLinks[s.args.trim()] = body(s);
        break;
      case 'PERSIST_NETPLAN':
        probe.netplan.push({ path: s.args, text: body(s) });
        break;
      case 'PERSIST_IFACES':
        if (s.args === '/etc/network/interfaces') probe.interfaces = body(s);
        else probe.interfacesD.push({ path: s.args, text: body(s) });
        break;
      case 'PERSIST_IFUP':
        if (s.args === 'ifupdown2' || s.args === 'ifupdown') probe.ifup = s.args;
        break;
      case 'PERSIST_TOOL':
        probe.tools.push(s.args.trim());
        break;
      case 'PERSIST_NMCLI':
        probe.nmcli = body(s);
        break;
      case 'PERSIST_FILE': {
        const sp = s.args.indexOf(' ');
        const mode = Number.parseInt(s.args.slice(0, sp), 8);
        const path = s.args.slice(sp + 1);
        marked.push({ path, mode, content: Buffer.from(s.body.trim(), 'base64').toString('utf8') });
        break;
      }
      case 'PERSIST_FOREIGN':
        foreign.push(s.args);
        break;
    }
  }
  return { probe, marked, foreign };
}

/**
 * The file is drawing `topologyId`'s: one of its first lines starts with `PERSIST_MARK_PREFIX` and
 * names the drawing's owner mark (`vxlan-studio:<id>`) whole, e.g. `# Written by VXLAN Studio
 * (vxlan-studio:lab); do not edit`, not `(vxlan-studio:lab-2)`.
 */
export function fileOwnedBy(content: string, topologyId: string): boolean {
  const mark = new RegExp(`(^|[^A-Za-z0-9_:-])${ownerMark(topologyId)}($|[^A-Za-z0-9_-])`);
  return content.split('\n', MARK_LINES).some((line) => line.startsWith(PERSIST_MARK_PREFIX) && mark.test(line));
}

/**
 * Shell function `ours FILE`: one of the file's mark lines starts with `$prefix` and names `$owner`
 * (this drawing's owner mark) whole, as `fileOwnedBy` reads it (drawing `lab` never takes the files
 * of drawing `lab-2`). Topology ids are letters, digits, `_` and `-`, so the mark is a plain regex.
 */
const OURS_FUNCTION = `ours() { head -n ${MARK_LINES} "$1" | while IFS= read -r l; do case $l in "$prefix"*) printf '%s\\n' "$l";; esac; done | grep -qE -- "(^|[^A-Za-z0-9_:-])$owner(\\$|[^A-Za-z0-9_-])"; }`;

/**
 * Writes a file atomically, as root: refuses a symlink or an existing file whose mark lines lack
 * our mark (exit 3), then a temp file in the same directory (dot-named: no manager reads it) gets
 * the content, mode and root ownership, is flushed, and renamed over the path.
 */
const WRITE_SCRIPT = [
  'p=$1; mode=$2; body=$3; prefix=$4; owner=$5',
  OURS_FUNCTION,
  `if [ -L "$p" ] || { [ -e "$p" ] && ! ours "$p"; }; then echo "refusing to write $p: it exists and was not written by VXLAN Studio for $owner" >&2; exit 3; fi`,
  // A drop-in directory next to a manager's file (`10-eth0.network.d/`) is made when missing; a
  // missing manager directory is not (the manager is not installed).
  'd=${p%/*}; case $d in *.d) [ -d "$d" ] || mkdir -m 0755 "$d" 2>/dev/null;; esac',
  '[ -d "$d" ] || { echo "$d does not exist: is the network manager installed?" >&2; exit 4; }',
  't=$(mktemp "$d/.vxlan-studio.XXXXXX") || exit 5',
  `if printf '%s' "$body" >"$t" && chmod "$mode" "$t" && chown 0:0 "$t" && { sync "$t" 2>/dev/null || true; } && mv -f "$t" "$p"; then exit 0; fi`,
  'rm -f "$t"; exit 6',
].join('\n');

/**
 * Removes a file of ours, as root; a file already gone is fine, one without our mark is refused
 * (exit 3). A drop-in directory left empty goes too: the write makes it when missing, so undoing the
 * write (a rollback, a commit-confirmed revert) or a destroy leaves the manager's directory as it was
 * before (an empty drop-in directory configures nothing, so one an admin made empty is no loss).
 */
const REMOVE_SCRIPT = [
  'p=$1; prefix=$2; owner=$3',
  OURS_FUNCTION,
  'd=${p%/*}',
  '[ -e "$p" ] || [ -L "$p" ] || exit 0',
  `if [ -L "$p" ] || ! ours "$p"; then echo "refusing to remove $p: it was not written by VXLAN Studio for $owner" >&2; exit 3; fi`,
  'rm -f -- "$p" || exit 1',
  'case $d in *.d) rmdir -- "$d" 2>/dev/null;; esac',
  'exit 0',
].join('\n');

/** The command that writes `content` to `path` atomically with `mode` (see WRITE_SCRIPT). */
export function writeFileArgv(path: string, content: string, mode: number, topologyId: string): string[] {
  return [
    'sh',
    '-c',
    WRITE_SCRIPT,
    'vxlan-studio-write',
    path,
    mode.toString(8).padStart(4, '0'),
    content,
    PERSIST_MARK_PREFIX,
    ownerMark(topologyId),
  ];
}

/** The command that removes our file at `path` (see REMOVE_SCRIPT). */
export function removeFileArgv(path: string, topologyId: string): string[] {
  return ['sh', '-c', REMOVE_SCRIPT, 'vxlan-studio-remove', path, PERSIST_MARK_PREFIX, ownerMark(topologyId)];
}

/** One file change as the review shows it. */
export interface PersistFileChange {
  path: string;
  change: 'create' | 'update' | 'remove';
  description: string;
  /** `diff -u` from the file on the host to the file we write (`/dev/null` on the missing side). */
  diff: string;
}

/** How the host's overlay survives a reboot, for the result and the review. */
export interface HostPersistReport {
  /** The drawing's setting for the host. */
  setting: PersistSetting;
  /** The manager found configuring the underlay, if any. */
  detected?: PersistManager;
  /** What showed it (or why none was trusted). */
  evidence: string[];
  /** The manager whose files this run keeps; absent = not persistent. */
  manager?: PersistManager;
  /** Why the overlay is runtime only (lost at reboot), when it is. */
  runtimeOnly?: string;
  /** File changes this run plans (empty when the files are as they should be). */
  files: PersistFileChange[];
}

export interface PersistPlanInput {
  host: Host;
  topologyId: string;
  action: 'apply' | 'destroy' | 'status';
  desired: DesiredHostState;
  /** Link state from round trip 1 (the underlay's ifindex). */
  observed: ObservedHostState;
  read: PersistRead;
  /** shared/plan/persist's renderer (`underlayNetworkFile`: networkd's file for the underlay, when known). */
  render: (desired: DesiredHostState, manager: PersistManager, options: { underlayNetworkFile?: string }) => PersistRender;
}

export interface PersistPlan {
  /**
   * The state with the devices this drawing's files made marked as ours again, and the steps that
   * mark them on the host (see `claimByFiles`).
   */
  claim(state: ObservedHostState): { state: ObservedHostState; steps: Step[] };
  report: HostPersistReport;
  steps: Step[];
  diagnostics: Diagnostic[];
  /** The file steps still needed given a read-back of our files (verify: empty = the files are as rendered). */
  stepsFor(marked: readonly HostFile[]): Step[];
}

function diag(
  input: PersistPlanInput,
  code: string,
  severity: Diagnostic['severity'],
  message: string,
  hint?: string,
): Diagnostic {
  const d: Diagnostic = {
    code,
    severity,
    message,
    elementId: input.host.id,
    elementKind: 'host',
    path: `${input.desired.hostPath}.persist`,
  };
  if (hint !== undefined) d.hint = hint;
  return d;
}

/** The manager this run keeps files for, or why none (runtime only), and errors for an explicit manager that is not there. */
function chooseManager(
  input: PersistPlanInput,
  detection: ManagerDetection | undefined,
): { manager?: PersistManager; runtimeOnly?: string; diagnostics: Diagnostic[] } {
  const setting = input.host.persist;
  if (input.action === 'destroy') return { runtimeOnly: 'the drawing is being destroyed', diagnostics: [] };
  if (setting === 'none') return { runtimeOnly: 'persist is "none" for this host', diagnostics: [] };
  if (setting === 'auto') {
    if (detection?.manager !== undefined) return { manager: detection.manager, diagnostics: [] };
    const why = `no manager can be trusted: runtime only (${(detection?.problems ?? ['the underlay interface is not known']).join('; ')})`;
    return {
      runtimeOnly: why,
      diagnostics: [
        diag(
          input,
          'PERSIST_RUNTIME_ONLY',
          'warning',
          `${input.host.name}: ${why}; the overlay is lost at the next reboot`,
          'Set persist to a manager the host runs, or to "none" to accept runtime only.',
        ),
      ],
    };
  }
  const missing = managerMissing(input.read.probe, setting);
  if (missing === undefined) return { manager: setting, diagnostics: [] };
  return {
    runtimeOnly: `${setting} is not there: ${missing}`,
    diagnostics: [
      diag(
        input,
        'PERSIST_MANAGER_MISSING',
        'error',
        `${input.host.name}: persist is "${setting}" but ${missing}`,
        'Install and start that manager, or set persist to "auto" or "none".',
      ),
    ],
  };
}

/**
 * Which manager reads a file we wrote earlier, by its directory (ifupdown's flavour from the probe).
 * A directory two managers read (netplan's networkd drop-ins are in networkd's directory) is the
 * `owner`'s (the manager detected on the host) when it reads it: removing a netplan host's files
 * must run netplan's reload, whose `netplan generate` drops the networkd files netplan generated
 * from our YAML before networkd reloads; reloading networkd alone would re-create our devices from
 * them.
 */
function managerOfPath(path: string, read: PersistRead, owner: PersistManager | undefined): PersistManager | undefined {
  if (owner !== undefined && PERSIST_DIRS[owner].some((dir) => path.startsWith(dir)))
    return owner === 'ifupdown2' || owner === 'ifupdown' ? (read.probe.ifup ?? owner) : owner;
  for (const [m, dirs] of Object.entries(PERSIST_DIRS) as Array<[PersistManager, readonly string[]]>) {
    if (!dirs.some((dir) => path.startsWith(dir))) continue;
    if (m === 'ifupdown2' || m === 'ifupdown') return read.probe.ifup ?? 'ifupdown';
    return m;
  }
  return undefined;
}

/**
 * Plans the host's files: what the manager should read (rendered), against what our files on the
 * host are (read back). Writes go before removals, then each touched manager's reload; every write
 * and removal carries its inverse (the previous content, or removing a new file), and the reload is
 * run again after an undo restores the files (it is part of the first file step's inverse, which
 * runs last).
 */
export function planPersist(input: PersistPlanInput): PersistPlan {
  const { desired, read, topologyId } = input;
  const setting = input.host.persist;
  const ul = desired.underlayInterface;
  const ifindex = ul === undefined ? undefined : input.observed.links.find((l) => l.name === ul)?.ifindex;
  const detection = ul === undefined ? undefined : detectManager(read.probe, ul, ifindex);
  const choice = chooseManager(input, detection);
  const diagnostics = [...choice.diagnostics];
  const renderOptions = detection?.networkFile === undefined ? {} : { underlayNetworkFile: detection.networkFile };
  const rendered = choice.manager === undefined ? undefined : input.render(desired, choice.manager, renderOptions);
  if (rendered !== undefined) diagnostics.push(...rendered.diagnostics);
  const wanted = rendered?.files ?? [];

  // Paths we must not take: files without the mark, and another drawing's files.
  const others = new Set(read.marked.filter((f) => !fileOwnedBy(f.content, topologyId)).map((f) => f.path));
  const foreign = new Set(read.foreign);
  for (const f of wanted) {
    if (foreign.has(f.path))
      diagnostics.push(
        diag(
          input,
          'PERSIST_FILE_NOT_OURS',
          'error',
          `${input.host.name}: ${f.path} exists and was not written by VXLAN Studio: it is never replaced`,
          'Move that file away, or set persist to "none" for this host.',
        ),
      );
    else if (others.has(f.path))
      diagnostics.push(
        diag(
          input,
          'PERSIST_FILE_OTHER_DRAWING',
          'error',
          `${input.host.name}: ${f.path} belongs to another drawing: it is left alone`,
        ),
      );
  }
  const blocked = diagnostics.some((d) => d.severity === 'error');

  const reloadOf = (m: PersistManager): string[][] =>
    m === choice.manager && rendered !== undefined ? rendered.reload : input.render(desired, m, renderOptions).reload;

  const plan = (marked: readonly HostFile[]): { steps: Step[]; changes: PersistFileChange[] } => {
    if (blocked) return { steps: [], changes: [] };
    const ours = new Map(marked.filter((f) => fileOwnedBy(f.content, topologyId)).map((f) => [f.path, f]));
    const writes: Array<{ file: PersistFile; before?: HostFile }> = [];
    for (const f of wanted) {
      const before = ours.get(f.path);
      if (before === undefined || before.content !== f.content || before.mode !== f.mode)
        writes.push(before === undefined ? { file: f } : { file: f, before });
    }
    const keep = new Set(wanted.map((f) => f.path));
    const removals = [...ours.values()].filter((f) => !keep.has(f.path));
    const touched = new Set<PersistManager>();
    const steps: Step[] = [];
    const changes: PersistFileChange[] = [];
    for (const { file, before } of writes) {
      if (choice.manager !== undefined) touched.add(choice.manager);
      steps.push({
        argv: writeFileArgv(file.path, file.content, file.mode, topologyId),
        description: `${before === undefined ? 'write' : 'update'} ${file.path} (${file.description})`,
        inverse: [
          before === undefined
            ? removeFileArgv(file.path, topologyId)
            : writeFileArgv(file.path, before.content, before.mode, topologyId),
        ],
        kind: 'file-write',
        target: file.path,
      });
      changes.push({
        path: file.path,
        change: before === undefined ? 'create' : 'update',
        description: file.description,
        diff:
          before?.content === file.content
            ? `mode ${before.mode.toString(8)} -> ${file.mode.toString(8)}\n`
            : unifiedDiff(before?.content ?? '', file.content, {
                fromLabel: before === undefined ? '/dev/null' : file.path,
                toLabel: file.path,
              }),
      });
    }
    for (const f of removals) {
      const m = managerOfPath(f.path, read, detection?.manager);
      if (m !== undefined) touched.add(m);
      steps.push({
        argv: removeFileArgv(f.path, topologyId),
        description: `remove ${f.path} (no longer needed)`,
        inverse: [writeFileArgv(f.path, f.content, f.mode, topologyId)],
        kind: 'file-remove',
        target: f.path,
      });
      changes.push({
        path: f.path,
        change: 'remove',
        description: 'no longer needed',
        diff: unifiedDiff(f.content, '', { fromLabel: f.path, toLabel: '/dev/null' }),
      });
    }
    const reloads = [...touched].flatMap((m) => reloadOf(m).map((argv) => ({ m, argv })));
    const first = steps[0];
    if (first !== undefined) first.inverse.push(...reloads.map((r) => r.argv));
    for (const r of reloads)
      steps.push({ argv: r.argv, description: `reload ${r.m}`, inverse: [], kind: 'persist-reload', target: r.m });
    return { steps, changes };
  };

  const first = plan(read.marked);
  const report: HostPersistReport = {
    setting,
    evidence: detection === undefined ? [] : [...detection.evidence, ...detection.problems],
    files: first.changes,
  };
  if (detection?.manager !== undefined) report.detected = detection.manager;
  if (choice.manager !== undefined && !blocked) report.manager = choice.manager;
  else
    report.runtimeOnly =
      choice.runtimeOnly ??
      diagnostics
        .filter((d) => d.severity === 'error')
        .map((d) => d.message)
        .join('; ');
  return {
    claim: (state) => claimByFiles(state, desired, read.marked, topologyId),
    report,
    steps: first.steps,
    diagnostics,
    // The reload's outcome cannot be read back as a file: verify judges the files (and the links).
    stepsFor: (marked) => plan(marked).steps.filter((s) => s.kind !== 'persist-reload'),
  };
}

/**
 * A network manager re-creates our devices at boot from our files, but the ownership mark is the
 * interface alias, which only udev sets from a `.link` file (systemd.link(5) `Alias=`; there is
 * none in a container): a device with no alias, of the kind and name the drawing wants, that a file
 * of this drawing on the host names, was made from our files and is ours again. The returned state
 * has it marked, and the steps mark it on the host (undone by clearing the alias).
 */
export function claimByFiles(
  state: ObservedHostState,
  desired: DesiredHostState,
  marked: readonly HostFile[],
  topologyId: string,
): { state: ObservedHostState; steps: Step[] } {
  const ours = marked.filter((f) => fileOwnedBy(f.content, topologyId));
  if (ours.length === 0) return { state, steps: [] };
  const named = (name: string): boolean => {
    const word = new RegExp(`(^|[^A-Za-z0-9_.@+-])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z0-9_.@+-])`, 'm');
    return ours.some((f) => word.test(f.content));
  };
  const claimed = new Set(
    desired.links
      .filter((want) => {
        const have = state.links.find((l) => l.name === want.name);
        return have !== undefined && (have.alias ?? '') === '' && have.kind === want.kind && named(want.name);
      })
      .map((l) => l.name),
  );
  if (claimed.size === 0) return { state, steps: [] };
  const steps = [...claimed].map((name) => {
    const step = linkAlias(name, desired.mark);
    return {
      ...step,
      description: `${step.description}: made at boot from our files`,
      inverse: [[...step.argv.slice(0, -1), '']],
    };
  });
  return {
    state: { ...state, links: state.links.map((l) => (claimed.has(l.name) ? { ...l, alias: desired.mark } : l)) },
    steps,
  };
}
