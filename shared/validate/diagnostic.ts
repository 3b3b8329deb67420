/**
 * A validation or plan diagnostic, pinned to a topology element and a field path, so the UI can
 * draw it on the node/edge and the CLI can print `segments[0].vni: ...`.
 */
export type Severity = 'error' | 'warning' | 'info';

export type ElementKind = 'topology' | 'host' | 'segment' | 'membership';

export interface Diagnostic {
  /** Stable code, e.g. `VNI_DUPLICATE`, `IFNAME_TOO_LONG`, `MTU_EXCEEDS_UNDERLAY`. */
  code: string;
  severity: Severity;
  /** A sentence for the user, naming the value at fault. */
  message: string;
  /** Id of the host, segment or membership concerned; absent for topology-wide findings. */
  elementId?: string;
  elementKind: ElementKind;
  /** Field path in the file, e.g. `segments[0].vni` or `memberships[2].address`. */
  path: string;
  /** What to do about it. */
  hint?: string;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}
