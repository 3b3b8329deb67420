/**
 * Semantic validation: every check that needs more than one field or element (duplicates,
 * address-in-subnet, MTU versus underlay, names that collide on one host). Single-field rules live
 * in the zod schema (`shared/model/topology.ts`); `validateTopology` reports those too, so one call
 * gives the editor everything to draw.
 *
 * The checks live by subject (check-identity, check-hosts, check-segments, check-memberships,
 * check-addressing); each says only which code, at which field and what; rules.ts gives every code
 * its severity and hint, schema-issues.ts turns zod's issues into codes.
 */
import type { Host, Membership, Segment, Topology } from '../model';
import { checkMemberAddresses, checkOverlayVersusUnderlay, checkSubnetOverlaps } from './check-addressing';
import { checkAutoUnderlay, checkHosts, checkSshHosts } from './check-hosts';
import { checkIds, checkText } from './check-identity';
import { checkHostInterfaces, checkMemberships } from './check-memberships';
import { checkSegment, checkSegmentIdentity } from './check-segments';
import type { Diagnostic } from './diagnostic';
import { elementLocator, elementsOf } from './elements';
import { reporter, SEVERITY_ORDER, toDiagnostic, type Finding } from './report';
import { SCHEMA_CODES, schemaFindings } from './schema-issues';

export { IPV6_MIN_MTU, MESH_MEMBER_WARN_LIMIT } from './rules';
export { fileIssuesToDiagnostics, schemaCode } from './schema-issues';

export interface ValidateOptions {
  /**
   * Also report single-field schema problems (VNI 0, 16-byte names...). Default true. Callers
   * that just parsed the file with `parseTopologyText` may pass false to skip the second pass.
   */
  schema?: boolean;
}

/**
 * Checks a topology and returns every finding, pinned to an element id and a field path, errors
 * first and otherwise in file order. No errors means the plan compiler may run.
 *
 * Rules cited in the messages: VNI is 24 bits and the VXLAN overhead 50/70 bytes (RFC 7348);
 * interface names at most 15 bytes (Linux IFNAMSIZ, ip-link(8)); IPv6 needs MTU 1280 (RFC 8200).
 *
 * @example
 * validateTopology(topology).filter((d) => d.severity === 'error')
 * // [{ code: 'VNI_DUPLICATE', path: 'segments[1].vni', elementId: 'seg-b', elementKind: 'segment', ... }]
 */
export function validateTopology(topology: Topology, options: ValidateOptions = {}): Diagnostic[] {
  const schema = options.schema === false ? { findings: [], refused: new Set<string>() } : schemaFindings(topology);
  const out: Finding[] = schema.findings;
  const hosts = elementsOf<Host>(topology.hosts, 'hosts', schema.refused);
  const segments = elementsOf<Segment>(topology.segments, 'segments', schema.refused);
  const memberships = elementsOf<Membership>(topology.memberships, 'memberships', schema.refused);
  const add = reporter(out, elementLocator({ hosts, segments, memberships }));

  checkIds(hosts, segments, memberships, add);
  checkText(topology, out);
  checkSshHosts(hosts, add);
  const hostById = checkHosts(hosts, add);
  const segmentById = checkSegmentIdentity(segments, add);
  const { members, membersBySegment } = checkMemberships(memberships, hostById, segmentById, add);

  checkHostInterfaces(members, add);
  checkMemberAddresses(members, segmentById, add);

  segments.forEach((s, index) => {
    checkSegment(s, index, membersBySegment.get(s.id) ?? [], add);
  });
  checkSubnetOverlaps(segments, add);
  checkOverlayVersusUnderlay(segments, membersBySegment, hosts, hostById, add);
  checkAutoUnderlay(hosts, hostById, members, add);

  // A field the schema already refused (e.g. an empty multicast group) is reported once, by the schema.
  const schemaPaths = new Set(out.filter((f) => SCHEMA_CODES.has(f.code)).map((f) => f.path));
  const kept = out.filter((f) => SCHEMA_CODES.has(f.code) || !schemaPaths.has(f.path));
  const indexed = kept.map((d, i) => ({ d, i }));
  indexed.sort((a, b) => SEVERITY_ORDER[a.d.severity] - SEVERITY_ORDER[b.d.severity] || a.i - b.i);
  return indexed.map(({ d }) => toDiagnostic(d));
}
