/**
 * Parsers for the health probes and firewalls read by the diagnosis (shared/diagnose): nftables,
 * iptables-save, ufw, firewalld, ping and interface counters.
 */
export * from './nft';
export * from './iptables';
export * from './ufw';
export * from './firewalld';
export * from './ping';
export * from './counters';
