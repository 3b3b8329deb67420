/**
 * Interface counters from `ip -j -s link show` (ip-link(8) `-s`): packets, bytes, errors and drops
 * per direction, and the difference between two readings.
 */
import { z } from 'zod';
import { ObserveParseError } from './parse';

export const COUNTERS_COMMAND = ['ip', '-j', '-s', 'link', 'show'] as const;

export interface DirectionCounters {
  packets: number;
  bytes: number;
  errors: number;
  dropped: number;
}

export interface LinkCounters {
  name: string;
  ifindex: number;
  rx: DirectionCounters;
  tx: DirectionCounters;
}

const DirSchema = z
  .object({ packets: z.number(), bytes: z.number(), errors: z.number().default(0), dropped: z.number().default(0) })
  .passthrough();
const StatsLinkSchema = z
  .object({
    ifindex: z.number().int(),
    ifname: z.string().min(1),
    stats64: z.object({ rx: DirSchema, tx: DirSchema }).passthrough().optional(),
    stats: z.object({ rx: DirSchema, tx: DirSchema }).passthrough().optional(),
  })
  .passthrough();

/**
 * Parses `ip -j -s link show`.
 *
 * @throws ObserveParseError naming `host` and the command when the output is not JSON, not an
 *   array of links, or a link has no `stats64`/`stats` block (was `-s` left out?).
 */
export function parseLinkCounters(text: string, host: string): LinkCounters[] {
  const command = COUNTERS_COMMAND.join(' ');
  let raw: unknown;
  try {
    raw = JSON.parse(text.trim());
  } catch (err) {
    throw new ObserveParseError(host, command, `is not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const parsed = z.array(StatsLinkSchema).safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('') : '';
    throw new ObserveParseError(
      host,
      command,
      `has an unexpected shape at ${where || '(top level)'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data.map((l, i) => {
    const s = l.stats64 ?? l.stats;
    if (s === undefined)
      throw new ObserveParseError(host, command, `has no counters for ${l.ifname} at [${i}] (expected stats64; run with -s)`);
    const pick = (d: z.infer<typeof DirSchema>): DirectionCounters => ({
      packets: d.packets,
      bytes: d.bytes,
      errors: d.errors,
      dropped: d.dropped,
    });
    return { name: l.ifname, ifindex: l.ifindex, rx: pick(s.rx), tx: pick(s.tx) };
  });
}

/** Growth of each counter from `before` to `after` for links present in both (a counter reset reads as 0). */
export function counterDelta(before: readonly LinkCounters[], after: readonly LinkCounters[]): LinkCounters[] {
  const out: LinkCounters[] = [];
  const grow = (a: number, b: number): number => Math.max(0, b - a);
  for (const a of after) {
    const b = before.find((x) => x.name === a.name && x.ifindex === a.ifindex);
    if (b === undefined) continue;
    const dir = (x: DirectionCounters, y: DirectionCounters): DirectionCounters => ({
      packets: grow(x.packets, y.packets),
      bytes: grow(x.bytes, y.bytes),
      errors: grow(x.errors, y.errors),
      dropped: grow(x.dropped, y.dropped),
    });
    out.push({ name: a.name, ifindex: a.ifindex, rx: dir(b.rx, a.rx), tx: dir(b.tx, a.tx) });
  }
  return out;
}
