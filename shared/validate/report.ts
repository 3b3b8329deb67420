/**
 * Findings as the checks report them: `add(code, path, message)` pins the finding to the element the
 * path points into and takes severity and hint from the table in rules.ts.
 */
import type { ValidationCode } from './codes';
import type { Diagnostic, ElementKind, Severity } from './diagnostic';
import { hintFor, VALIDATION_RULES, type HintValues } from './rules';

export interface Finding {
  code: ValidationCode;
  severity: Severity;
  message: string;
  elementKind: ElementKind;
  elementId?: string;
  path: string;
  hint?: string;
}

/** The element a finding is about. */
export interface Location {
  elementKind: ElementKind;
  elementId?: string;
}

/** Reports a finding of `code` at the field `path`, with the values its hint names (see rules.ts). */
export type Add = <C extends ValidationCode>(code: C, path: string, message: string, ...values: HintValues<C>) => void;

/** A finding of `code` on the element `at`, with the table's severity and hint. */
export function finding<C extends ValidationCode>(
  code: C,
  at: Location,
  path: string,
  message: string,
  ...values: HintValues<C>
): Finding {
  return { code, severity: VALIDATION_RULES[code].severity, message, ...at, path, hint: hintFor(code, ...values) };
}

/** An `add` that appends to `out`, pinning each finding to the element `locate` finds for its path. */
export function reporter(out: Finding[], locate: (path: string) => Location): Add {
  return (code, path, message, ...values) => {
    out.push(finding(code, locate(path), path, message, ...values));
  };
}

export const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function toDiagnostic(f: Finding): Diagnostic {
  const d: Diagnostic = { code: f.code, severity: f.severity, message: f.message, elementKind: f.elementKind, path: f.path };
  // An id of the wrong type (mid-edit, already reported by the schema pass) pins nothing.
  if (typeof f.elementId === 'string') d.elementId = f.elementId;
  if (f.hint !== undefined) d.hint = f.hint;
  return d;
}
