/**
 * Diagnosis: a health round (`HealthSnapshot`) -> findings with a stable code, evidence and fix steps;
 * which firewall rule drops VXLAN; the underlay path-MTU search.
 */
export * from './types';
export * from './firewall';
export * from './firewall-host';
export * from './firewall-fix';
export * from './firewall-persist';
export * from './path-mtu';
export * from './diagnose';
