/**
 * Keeping a raw nftables or iptables fix across reboots, in the file the distribution loads at boot:
 *
 * - iptables / ip6tables: iptables-persistent's `/etc/iptables/rules.v4` / `rules.v6` (Debian, Ubuntu:
 *   netfilter-persistent restores them at boot), else iptables-services' `/etc/sysconfig/iptables` /
 *   `ip6tables` (RHEL family). Like `netfilter-persistent save`, the running rules are saved whole.
 * - nftables: `/etc/nftables.conf` (Debian's nftables.service runs `nft -f` on it) gets one `include`
 *   of our own file, which holds the accept as an `insert rule` (first in its chain, so it is before
 *   any drop whatever the handles are after a reboot). Only when that file defines the table: an
 *   insert into a table it does not create would make the whole file fail at boot. The file is
 *   checked with `nft -c -f` and put back as it was when the check fails.
 *
 * ufw and firewalld keep their own configuration (see firewall-fix.ts). When no such file exists the
 * step says so on stderr and succeeds: the accept then lasts until reboot, as the review says.
 */
import { quoteShellArg } from '../plan/shell';
import type { FixStep } from './firewall-types';

/** Our nftables include file. */
export const NFT_PERSIST_FILE = '/etc/nftables.d/vxlan-studio.nft';
/** The file Debian's nftables.service loads. */
export const NFT_CONF = '/etc/nftables.conf';

/** The files iptables rules are restored from at boot, most common first. */
export function iptablesPersistFiles(family: 4 | 6): string[] {
  return family === 4
    ? ['/etc/iptables/rules.v4', '/etc/sysconfig/iptables']
    : ['/etc/iptables/rules.v6', '/etc/sysconfig/ip6tables'];
}

/**
 * Saves the running iptables (or ip6tables) rules to the first of `iptablesPersistFiles` that exists,
 * keeping the file's mode and owner.
 *
 * @example
 * argvToShell(iptablesPersistStep(4, 'INPUT').argv)
 * // sh -c 'for f in /etc/iptables/rules.v4 /etc/sysconfig/iptables; do ... iptables-save >"$f.vxlan-studio" ...'
 */
export function iptablesPersistStep(family: 4 | 6, chain: string): FixStep {
  const save = family === 6 ? 'ip6tables-save' : 'iptables-save';
  const files = iptablesPersistFiles(family);
  const script = [
    `for f in ${files.map(quoteShellArg).join(' ')}; do`,
    `  if [ -f "$f" ]; then ${save} >"$f.vxlan-studio" && cat "$f.vxlan-studio" >"$f" && rm -f "$f.vxlan-studio" && echo "saved the running rules to $f"; exit $?; fi`,
    'done',
    `echo ${quoteShellArg(`none of ${files.join(', ')} exists: nothing restores ${family === 6 ? 'ip6tables' : 'iptables'} rules at boot here, so the accept lasts until reboot`)} >&2`,
  ].join('\n');
  return {
    argv: ['sh', '-c', script],
    description: `keep it across reboots: save the running ${family === 6 ? 'ip6tables' : 'iptables'} rules to ${files[0] ?? ''} (iptables-persistent, restored at boot by netfilter-persistent) or ${files[1] ?? ''} (iptables-services), whichever this host has`,
    // The last step of its fix, so never undone alone; a later fix or `netfilter-persistent save` rewrites the file.
    inverse: [],
    kind: 'firewall-persist',
    target: chain,
  };
}

/**
 * Adds `rule` (an nft rule body, e.g. `ip saddr { 10.0.0.1 } udp dport 4789 accept comment "..."`)
 * as `insert rule <family> <table> <chain> ...` to our include file, and the include to
 * /etc/nftables.conf when that file defines the table.
 */
export function nftPersistStep(loc: { family: string; table: string; chain: string }, rule: string): FixStep {
  const line = `insert rule ${loc.family} ${loc.table} ${loc.chain} ${rule}`;
  const include = `include "${NFT_PERSIST_FILE}"`;
  const q = quoteShellArg;
  const tableRe = `^[[:space:]]*table[[:space:]]+${loc.family}[[:space:]]+${loc.table.replace(/[^A-Za-z0-9_]/g, '.')}([[:space:]]|\\{|$)`;
  const script = [
    `conf=${q(NFT_CONF)}; own=${q(NFT_PERSIST_FILE)}; line=${q(line)}`,
    `if [ ! -f "$conf" ] || ! grep -Eq ${q(tableRe)} "$conf"; then`,
    `  echo ${q(`${NFT_CONF} does not define table ${loc.family} ${loc.table}: nothing loads this rule at boot, so the accept lasts until reboot`)} >&2; exit 0`,
    'fi',
    'cp -p "$conf" "$conf.vxlan-studio.bak" || exit 1',
    '[ -f "$own" ] && cp -p "$own" "$own.vxlan-studio.bak"',
    'mkdir -p "$(dirname "$own")" || exit 1',
    `[ -f "$own" ] || printf '%s\\n' ${q('# Written by VXLAN Studio: accepts VXLAN from segment peers; included from /etc/nftables.conf')} >"$own"`,
    'grep -qxF "$line" "$own" || printf \'%s\\n\' "$line" >>"$own"',
    `grep -qxF ${q(include)} "$conf" || printf '\\n%s\\n' ${q(include)} >>"$conf"`,
    'if nft -c -f "$conf"; then rm -f "$conf.vxlan-studio.bak" "$own.vxlan-studio.bak"; echo "added to $own, included from $conf"; exit 0; fi',
    'mv "$conf.vxlan-studio.bak" "$conf"',
    'if [ -f "$own.vxlan-studio.bak" ]; then mv "$own.vxlan-studio.bak" "$own"; else rm -f "$own"; fi',
    `echo ${q(`nft -c -f ${NFT_CONF} refused the file with the accept: ${NFT_CONF} is unchanged`)} >&2; exit 1`,
  ].join('\n');
  return {
    argv: ['sh', '-c', script],
    description: `keep it across reboots: \`${line}\` in ${NFT_PERSIST_FILE}, included from ${NFT_CONF} (loaded at boot by nftables.service), if that file defines table ${loc.family} ${loc.table}`,
    inverse: [],
    kind: 'firewall-persist',
    target: `${loc.family} ${loc.table} ${loc.chain}`,
  };
}
