/**
 * `npm run bench:canvas [-- --hosts 100,500,1000] [--skip-build]`: the canvas at scale, in Debian's
 * headless Chromium (software raster, the e2e flags) against `vxlan-studio serve`.
 *
 * For each size a fresh page opens a generated drawing (bench/canvas-topology.ts: 10 hosts per
 * segment, 2 memberships per host) through Open like a user, then measures:
 * - open -> painted: from the click on the dialog's OK to the first frame after the fitted drawing
 *   shows, and the longest task (long-task observer) from that click to half a second later;
 * - drag at fit and at ~1x: a host dragged with 60 pointer moves; p95 of the frame intervals
 *   (rAF) while dragging, React commits per move, node/edge components rendered per move;
 * - pan at fit and at ~1x: the empty pane dragged the same way;
 * - heap: JS heap used after a forced collection (CDP);
 * - at fit: whether every card is inside the canvas, how many edge labels are shown, and how many
 *   cards are React Flow nodes (zoomed out the canvas draws most of them itself).
 * Targets are reported, not asserted. Other processes share the 2 cores: the load average is printed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright';
import { CHROMIUM, CHROMIUM_ARGS } from '../e2e/fixtures/chromium';
import { canvasTopologyFile } from './canvas-topology';
import { installCanvasProbe, type CanvasProbe } from './canvas-probe';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MOVES = 60;
const TARGET = { dragP95: 20, panP95: 33, longTask: 200, openMs: 1000 } as const;
const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

function parseCli(argv: string[]): { sizes: number[]; build: boolean } {
  let sizes = [100, 500, 1000];
  let build = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--skip-build') build = false;
    else if (a === '--hosts') sizes = (argv[++i] ?? '').split(',').map(Number);
    else
      throw new Error(`unexpected argument "${a ?? ''}" (usage: npm run bench:canvas -- [--hosts 100,500,1000] [--skip-build])`);
  }
  if (sizes.some((n) => !Number.isInteger(n) || n < 20 || n % 10 !== 0))
    throw new Error('--hosts takes multiples of 10, at least 20, separated by commas');
  return { sizes, build };
}

function startServer(workDir: string, dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'bin', 'vxlan-studio.mjs'), 'serve', '--port', '0', '--data-dir', dataDir],
    {
      cwd: workDir,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /VXLAN Studio web mode: (http:\/\/127\.0\.0\.1:\d+\/\?login=[0-9A-Za-z_-]+)/.exec(out);
      if (m?.[1]) resolve({ child, url: m[1] });
    });
    child.on('exit', (code) => reject(new Error(`vxlan-studio serve exited with ${code}: ${out}`)));
  });
}

function p95(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)] as number;
}

const probeOf = (page: Page): Promise<CanvasProbe> =>
  page.evaluate(() => (window as unknown as { __canvasBench: CanvasProbe }).__canvasBench);

interface OpenResult {
  openMs: number;
  longestTaskMs: number;
}

async function openDrawing(page: Page, file: string, nodeCount: number): Promise<OpenResult> {
  await page.getByTestId('open').click();
  const dialog = page.getByRole('dialog');
  await dialog.getByTestId('dialog-input').fill(file);
  const before = await page.locator('.react-flow__viewport').getAttribute('style');
  await dialog.getByTestId('dialog-ok').click();
  // Painted: the title names the file, the viewport moved to the fit, every card is on the canvas (a
  // React Flow node, or zoomed out one the canvas draws itself; zoomed in a large drawing mounts in
  // stages) and none waits to be measured; then one more frame.
  const paintedAt = await page.evaluate(
    ({ name, before, nodeCount }) =>
      new Promise<number>((resolve) => {
        const check = (): void => {
          const title = document.querySelector('[data-testid="doc-title"]')?.textContent ?? '';
          const viewport = document.querySelector('.react-flow__viewport')?.getAttribute('style') ?? '';
          const nodes = document.querySelectorAll<HTMLElement>('.react-flow__node');
          const drawn = document.querySelectorAll('[data-testid="overview-card"]').length;
          const hidden = [...nodes].some((n) => n.style.visibility === 'hidden');
          if (title.includes(name) && viewport !== before && nodes.length + drawn >= nodeCount && !hidden)
            requestAnimationFrame(() => setTimeout(() => resolve(performance.now())));
          else requestAnimationFrame(check);
        };
        check();
      }),
    { name: path.basename(file), before, nodeCount },
  );
  await page.waitForTimeout(500);
  const probe = await probeOf(page);
  const tasks = probe.longTasks.filter((t) => t.start + t.duration >= probe.openClickedAt && t.start <= paintedAt + 500);
  return { openMs: paintedAt - probe.openClickedAt, longestTaskMs: Math.max(0, ...tasks.map((t) => t.duration)) };
}

interface Gesture {
  p95: number;
  commitsPerMove: number;
  nodesPerMove: number;
  edgesPerMove: number;
}

/**
 * Presses at (x, y), moves MOVES times along a small loop, releases; frame intervals while moving.
 * On a card, the press waits for a React Flow node under the pointer: zoomed out the canvas draws
 * most cards itself and makes the one under the pointer a React Flow node (a user's pointer gets
 * there frames before the press).
 */
async function gesture(page: Page, x: number, y: number, onCard: boolean): Promise<Gesture> {
  await page.mouse.move(x, y);
  if (onCard)
    await page.waitForFunction(({ x, y }) => document.elementFromPoint(x, y)?.closest('.react-flow__node') != null, { x, y });
  await page.mouse.down();
  await page.mouse.move(x + 8, y + 8, { steps: 2 });
  await page.evaluate(() => {
    const p = (window as unknown as { __canvasBench: CanvasProbe }).__canvasBench;
    Object.assign(p, { recording: true, frames: [], renderedNodes: 0, renderedEdges: 0, commits: 0 });
  });
  for (let i = 1; i <= MOVES; i++) {
    const a = (i / MOVES) * 2 * Math.PI;
    await page.mouse.move(x + 8 + 120 * Math.sin(a), y + 8 + 60 * (1 - Math.cos(a)));
  }
  const probe = await page.evaluate(() => {
    const p = (window as unknown as { __canvasBench: CanvasProbe }).__canvasBench;
    p.recording = false;
    return { ...p };
  });
  await page.mouse.up();
  const intervals = probe.frames.slice(1).map((t, i) => t - (probe.frames[i] as number));
  return {
    p95: p95(intervals),
    commitsPerMove: probe.commits / MOVES,
    nodesPerMove: probe.renderedNodes / MOVES,
    edgesPerMove: probe.renderedEdges / MOVES,
  };
}

/** The host card nearest the canvas centre, and an empty point of the pane near it. */
async function targets(page: Page): Promise<{ node: { x: number; y: number }; pane: { x: number; y: number }; zoom: number }> {
  return page.evaluate(() => {
    const flow = (document.querySelector('.react-flow') as HTMLElement).getBoundingClientRect();
    const cx = flow.left + flow.width / 2;
    const cy = flow.top + flow.height / 2;
    let node = { x: cx, y: cy, d: Infinity };
    for (const el of document.querySelectorAll('.react-flow__node-host, [data-testid="overview-card"][data-kind="host"]')) {
      const r = el.getBoundingClientRect();
      const x = r.left + r.width / 2;
      const y = r.top + r.height / 2;
      const d = (x - cx) ** 2 + (y - cy) ** 2;
      if (d < node.d) node = { x, y, d };
    }
    let pane = { x: flow.left + 10, y: flow.top + 10, d: Infinity };
    for (let x = flow.left + 150; x < flow.right - 150; x += 10)
      for (let y = flow.top + 80; y < flow.bottom - 80; y += 10) {
        const hit = document.elementFromPoint(x, y);
        const d = (x - cx) ** 2 + (y - cy) ** 2;
        if (hit?.classList.contains('react-flow__pane') && d < pane.d) pane = { x, y, d };
      }
    const m = /scale\(([\d.e-]+)\)/.exec((document.querySelector('.react-flow__viewport') as HTMLElement).style.transform);
    return { node: { x: node.x, y: node.y }, pane: { x: pane.x, y: pane.y }, zoom: Number(m?.[1] ?? NaN) };
  });
}

/** Every card inside the canvas at fit, how many of them are React Flow nodes, and how many edge labels show. */
async function overview(page: Page, expectedNodes: number): Promise<{ allInside: boolean; labels: number; flowNodes: number }> {
  return page.evaluate((expected) => {
    const flow = (document.querySelector('.react-flow') as HTMLElement).getBoundingClientRect();
    const flowNodes = document.querySelectorAll('.react-flow__node').length;
    const nodes = [...document.querySelectorAll('.react-flow__node, [data-testid="overview-card"]')].map((n) =>
      n.getBoundingClientRect(),
    );
    const inside = nodes.every(
      (r) => r.left >= flow.left && r.right <= flow.right && r.top >= flow.top && r.bottom <= flow.bottom,
    );
    const labels = [...document.querySelectorAll<HTMLElement>('.edge-label')].filter((l) => l.offsetParent !== null).length;
    return { allInside: nodes.length === expected && inside, labels, flowNodes };
  }, expectedNodes);
}

async function heapMb(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  await cdp.detach();
  return usedSize / 1024 / 1024;
}

interface Row {
  hosts: number;
  nodes: number;
  edges: number;
  open: OpenResult;
  fitZoom: number;
  oneZoom: number;
  dragFit: Gesture;
  dragOne: Gesture;
  panFit: Gesture;
  panOne: Gesture;
  heap: number;
  overview: { allInside: boolean; labels: number; flowNodes: number };
  load: string;
}

async function measureSize(page: Page, hosts: number, file: string): Promise<Row> {
  const nodes = hosts + hosts / 10;
  const open = await openDrawing(page, file, nodes);
  const fit = await targets(page);
  const view = await overview(page, nodes);
  const dragFit = await gesture(page, fit.node.x, fit.node.y, true);
  const panFit = await gesture(page, fit.pane.x, fit.pane.y, false);
  // One wheel notch zooms by 2^(-deltaY/500) around the pointer (d3-zoom): to ~1x in one step.
  await page.mouse.move(fit.node.x, fit.node.y);
  await page.mouse.wheel(0, Math.log2(fit.zoom) * 500);
  await page.waitForTimeout(400);
  const one = await targets(page);
  const dragOne = await gesture(page, one.node.x, one.node.y, true);
  const panOne = await gesture(page, one.pane.x, one.pane.y, false);
  const heap = await heapMb(page);
  return {
    hosts,
    nodes,
    edges: 2 * hosts,
    open,
    fitZoom: fit.zoom,
    oneZoom: one.zoom,
    dragFit,
    dragOne,
    panFit,
    panOne,
    heap,
    overview: view,
    load: load(),
  };
}

const ms = (x: number): string => `${x.toFixed(0)} ms`;
const verdict = (ok: boolean): string => (ok ? 'MET' : 'NOT MET');

function report(rows: Row[]): void {
  console.log('');
  console.log(
    '| hosts (nodes / edges) | open -> painted | longest task on open | drag p95 at fit | drag p95 at ~1x | pan p95 at fit | pan p95 at ~1x | heap | commits per drag move | components per drag move (nodes / edges) | fit zoom | React Flow nodes at fit | load average |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows)
    console.log(
      `| ${r.hosts.toLocaleString('en')} (${r.nodes.toLocaleString('en')} / ${r.edges.toLocaleString('en')}) | ${(r.open.openMs / 1000).toFixed(2)} s | ${ms(r.open.longestTaskMs)} | ` +
        `${ms(r.dragFit.p95)} | ${ms(r.dragOne.p95)} (zoom ${r.oneZoom.toFixed(2)}) | ${ms(r.panFit.p95)} | ${ms(r.panOne.p95)} | ${r.heap.toFixed(0)} MB | ` +
        `${r.dragFit.commitsPerMove.toFixed(1)} / ${r.dragOne.commitsPerMove.toFixed(1)} | ${r.dragOne.nodesPerMove.toFixed(1)} / ${r.dragOne.edgesPerMove.toFixed(1)} | ` +
        `${r.fitZoom.toFixed(3)} | ${r.overview.flowNodes} | ${r.load} |`,
    );
  console.log('');
  const at500 = rows.find((r) => r.hosts === 500);
  if (at500) {
    const checks: Array<[string, number, number]> = [
      ['drag p95 at fit', at500.dragFit.p95, TARGET.dragP95],
      ['drag p95 at ~1x', at500.dragOne.p95, TARGET.dragP95],
      ['pan p95 at fit', at500.panFit.p95, TARGET.panP95],
      ['pan p95 at ~1x', at500.panOne.p95, TARGET.panP95],
      ['longest task on open', at500.open.longestTaskMs, TARGET.longTask],
      ['open -> painted', at500.open.openMs, TARGET.openMs],
    ];
    for (const [what, got, target] of checks)
      console.log(
        `target at 500 hosts: ${what} <= ${target} ms -> ${got.toFixed(0)} ms, ${(got / target).toFixed(2)}x the budget: ${verdict(got <= target)}`,
      );
  }
  const at1000 = rows.find((r) => r.hosts === 1000);
  if (at1000)
    console.log(
      `target at 1,000 hosts: Fit shows every node and no edge label -> ${at1000.overview.allInside ? 'every node inside' : 'NOT every node inside'}, ` +
        `${at1000.overview.labels} edge labels shown: ${verdict(at1000.overview.allInside && at1000.overview.labels === 0)}`,
    );
  console.log(
    'components per drag move: node cards and edges whose React component ran per pointer move at ~1x (one dragged host: 1 node, its 2 edges).',
  );
}

async function main(): Promise<void> {
  const { sizes, build } = parseCli(process.argv.slice(2));
  if (build) {
    const r = spawn('npm', ['run', 'build:renderer'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    const code = await new Promise<number | null>((res) => r.on('exit', res));
    if (code !== 0) throw new Error('npm run build:renderer failed');
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
  try {
    console.log(`VXLAN Studio canvas benchmark: Chromium ${browser.version()} headless, 1440x900, load average ${load()}`);
    const rows: Row[] = [];
    for (const hosts of sizes) rows.push(await benchSize(browser, hosts));
    report(rows);
  } finally {
    await browser.close();
  }
}

/** One size on a fresh server, data folder and browser context, so no autosave or cache carries over. */
async function benchSize(browser: Browser, hosts: number): Promise<Row> {
  const workDir = mkdtempSync(path.join(tmpdir(), 'vxs-canvas-bench-work-'));
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vxs-canvas-bench-data-'));
  const server = await startServer(workDir, dataDir);
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  try {
    // tsx (esbuild keepNames) wraps named functions in `__name(...)`: functions sent to the page need it too.
    await context.addInitScript({ content: 'window.__name = (f) => f;' });
    await context.addInitScript(installCanvasProbe);
    const file = `canvas-${hosts}.vxlan.json`;
    writeFileSync(path.join(workDir, file), canvasTopologyFile(hosts));
    const page = await context.newPage();
    await page.goto(server.url);
    await page.locator('.react-flow').waitFor();
    const row = await measureSize(page, hosts, file);
    console.log(
      `${hosts} hosts: open ${ms(row.open.openMs)}, drag p95 ${ms(row.dragFit.p95)} / ${ms(row.dragOne.p95)}, pan p95 ${ms(row.panFit.p95)} / ${ms(row.panOne.p95)} (load average ${row.load})`,
    );
    return row;
  } finally {
    await context.close();
    server.child.kill('SIGTERM');
    rmSync(workDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
