/**
 * iputils `ping` output (ping(8)), stdout and stderr together: counts, loss, round-trip times, and
 * the MTU answers that matter for VXLAN: the local stack refusing a DF packet larger than the route
 * MTU (`ping: local error: message too long, mtu=1500`) and a router's ICMP "fragmentation needed"
 * (`From 10.99.1.1 icmp_seq=1 Frag needed and DF set (mtu = 1400)`, RFC 1191).
 */
import { ObserveParseError } from './parse';

export interface PingResult {
  /** Probes sent (`N packets transmitted`). */
  transmitted: number;
  received: number;
  /** Probes answered with an error (`+N errors`): unreachable, fragmentation needed, local errors. */
  errors: number;
  /** `N% packet loss`. */
  lossPercent: number;
  /** True when every probe got a reply. */
  ok: boolean;
  /** `rtt min/avg/max/mdev` in ms, present when something answered. */
  rtt?: { min: number; avg: number; max: number; mdev: number };
  /** The local stack refused the packet (DF set, larger than the route MTU); `mtu` as ping reports it. */
  messageTooLong?: { mtu?: number };
  /** A router answered ICMP "fragmentation needed" (RFC 1191) with its next-hop MTU. */
  fragNeeded?: { from: string; mtu: number };
  /** A router or the host answered "Destination Host/Net/Port Unreachable". */
  unreachable?: { from: string; message: string };
  /** A local error that stopped ping before any statistics (`ping: connect: Network is unreachable`). */
  localError?: string;
  /** The lines worth quoting as evidence: replies, errors and the statistics. */
  evidence: string[];
}

/**
 * Parses ping's output.
 *
 * @param ctx.host host label and `ctx.command` the command line, for the error message.
 * @throws ObserveParseError when the text has neither ping's statistics nor a `ping:` error line.
 * @example
 * parsePing('...\n3 packets transmitted, 0 received, 100% packet loss, time 406ms\n', ctx).lossPercent // 100
 */
export function parsePing(text: string, ctx: { host: string; command: string }): PingResult {
  const lines = text.split('\n').map((l) => l.trimEnd());
  const evidence: string[] = [];
  const result: PingResult = { transmitted: 0, received: 0, errors: 0, lossPercent: 100, ok: false, evidence };
  let stats = false;
  for (const line of lines) {
    const s =
      /^(\d+) packets transmitted, (\d+) (?:packets )?received(?:, \+(\d+) duplicates)?(?:, \+(\d+) errors)?, ([\d.]+)% packet loss/.exec(
        line,
      );
    if (s) {
      stats = true;
      result.transmitted = Number(s[1]);
      result.received = Number(s[2]);
      result.errors = Number(s[4] ?? '0');
      result.lossPercent = Number(s[5]);
      evidence.push(line);
      continue;
    }
    const rtt = /^(?:rtt|round-trip) min\/avg\/max\/(?:mdev|stddev) = ([\d.]+)\/([\d.]+)\/([\d.]+)\/([\d.]+) ms/.exec(line);
    if (rtt) {
      result.rtt = { min: Number(rtt[1]), avg: Number(rtt[2]), max: Number(rtt[3]), mdev: Number(rtt[4]) };
      evidence.push(line);
      continue;
    }
    const tooLong = /message too long(?:, mtu=(\d+))?/i.exec(line);
    if (tooLong) {
      result.messageTooLong = tooLong[1] === undefined ? {} : { mtu: Number(tooLong[1]) };
      if (!evidence.includes(line)) evidence.push(line);
      continue;
    }
    const frag = /^From (\S+?):? icmp_seq=\d+ Frag needed and DF set \(mtu = (\d+)\)/.exec(line);
    if (frag) {
      result.fragNeeded = { from: frag[1] as string, mtu: Number(frag[2]) };
      evidence.push(line);
      continue;
    }
    const unreach = /^From (\S+?):? icmp_seq=\d+ (Destination \S+ Unreachable)/.exec(line);
    if (unreach) {
      result.unreachable ??= { from: unreach[1] as string, message: unreach[2] as string };
      if (evidence.length < 4) evidence.push(line);
      continue;
    }
    if (/^\d+ bytes from /.test(line)) {
      if (evidence.length < 2) evidence.push(line);
      continue;
    }
    if (/^ping: /.test(line) && result.localError === undefined) {
      result.localError = line.slice('ping: '.length);
      evidence.push(line);
    }
  }
  if (!stats) {
    if (result.localError === undefined) {
      const head = text
        .trim()
        .slice(0, 60)
        .replace(/[^\x20-\x7e]/g, '?');
      throw new ObserveParseError(
        ctx.host,
        ctx.command,
        `has no ping statistics line ("N packets transmitted, ...") and no "ping:" error; it starts with ${JSON.stringify(head)}`,
      );
    }
    return result;
  }
  if (result.localError !== undefined && result.messageTooLong !== undefined) delete result.localError;
  result.ok = result.transmitted > 0 && result.received === result.transmitted;
  return result;
}

/**
 * argv of a probe: `ping -n -c <count> -W <wait> [-i 0.2] [-M do -s <size>] <target>`.
 * `-M do` sets DF and forbids fragmentation; `-s` is the ICMP payload, 28 bytes less than the IPv4
 * packet (20 IP + 8 ICMP) and 48 less than the IPv6 one.
 */
export function pingArgv(
  target: string,
  opts: { count?: number; waitSeconds?: number; size?: number; dontFragment?: boolean; intervalSeconds?: number } = {},
): string[] {
  const count = opts.count ?? 1;
  const argv = ['ping', '-n', '-c', String(count), '-W', String(opts.waitSeconds ?? 1)];
  if (count > 1) argv.push('-i', String(opts.intervalSeconds ?? 0.2));
  if (opts.dontFragment === true) argv.push('-M', 'do');
  if (opts.size !== undefined) argv.push('-s', String(opts.size));
  argv.push(target);
  return argv;
}
