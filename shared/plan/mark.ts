/**
 * Ownership mark. Every link we create gets the interface alias (`ip link set <dev> alias ...`,
 * ip-link(8) `alias NAME`) `vxlan-studio:<topology id>`, so diff and teardown can tell our objects
 * from the admin's and from another topology's.
 */

/** Prefix of the alias we set on every link we create. */
export const OWNER_ALIAS_PREFIX = 'vxlan-studio:';

/**
 * The alias that marks a link as created by topology `topologyId`.
 *
 * @example
 * ownerMark('textbook') // 'vxlan-studio:textbook'
 */
export function ownerMark(topologyId: string): string {
  return `${OWNER_ALIAS_PREFIX}${topologyId}`;
}

/** True when `alias` is a VXLAN Studio mark of any topology. */
export function isStudioMark(alias: string | undefined): boolean {
  return alias !== undefined && alias.startsWith(OWNER_ALIAS_PREFIX);
}

/**
 * The topology id in a VXLAN Studio mark, or undefined for any other alias.
 *
 * @example
 * markOwner('vxlan-studio:textbook-3f9a1c2e') // 'textbook-3f9a1c2e'
 * markOwner("admin's own") // undefined
 */
export function markOwner(alias: string | undefined): string | undefined {
  return isStudioMark(alias) ? (alias as string).slice(OWNER_ALIAS_PREFIX.length) : undefined;
}
