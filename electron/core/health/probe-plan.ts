/**
 * What one host probes in a health round, as plain types: round-script.ts plans it and writes the
 * round's shell script from it, fping-probe.ts writes the fping part of that script from it.
 */
import type { IpFamily } from '../../../shared/validate/ip';

/** One probe of a round: a ping from this host, and where its result goes. */
export interface ProbeSpec {
  /** Key of the output file and section (`p<n>`). */
  key: string;
  kind: 'underlay' | 'overlay' | 'dfAtMtu' | 'dfOverMtu';
  /** Underlay address of the peer (underlay) or its overlay address. */
  target: string;
  /** Peer host id. */
  to: string;
  /** Segment id (all kinds but `underlay`). */
  segmentId?: string;
  /** DF probes: the VXLAN device whose MTU sets the size. */
  device?: string;
}

/** A path-MTU sweep the round starts toward a peer when its DF probe at the segment MTU fails. */
export interface SweepSpec {
  /** Prefix of the answer files (`s<n>`). */
  key: string;
  /** Peer host id. */
  to: string;
  /** Peer underlay address. */
  target: string;
  family: IpFamily;
}

/** What one host probes in a round. */
export interface HostProbePlan {
  hostId: string;
  hostName: string;
  sudo: boolean;
  /** A peer's underlay address: `ip -j route get` it for the underlay interface and source address. */
  routeTo?: string;
  probes: ProbeSpec[];
  /** Path-MTU sweeps started inside the round when a peer's DF probe fails (see path-mtu-probe.ts). */
  sweeps: SweepSpec[];
  /** Segment memberships of this host: (segment id, peer host ids), for building `PairProbe`s. */
  segments: Array<{ segmentId: string; peers: string[] }>;
}
