/** Identity and text: ids unique across the drawing, no control characters in any string. */
import { formatPath, type Host, type Membership, type Segment } from '../model';
import { finding, type Add, type Finding } from './report';
import { elementAt } from './schema-issues';
import { firstControlCharacter } from './text';

/** Ids are unique across hosts, segments and memberships: they key canvas nodes, edges and diagnostics. */
export function checkIds(
  hosts: readonly Host[],
  segments: readonly Segment[],
  memberships: readonly Membership[],
  add: Add,
): void {
  const seen = new Map<string, string>();
  const visit = (list: ReadonlyArray<{ id: string }>, name: 'hosts' | 'segments' | 'memberships'): void => {
    list.forEach((el, i) => {
      const here = `${name}[${i}]`;
      const first = seen.get(el.id);
      if (first !== undefined) {
        add('ID_DUPLICATE', `${here}.id`, `Id "${el.id}" is already used by ${first}`);
      } else seen.set(el.id, here);
    });
  };
  visit(hosts, 'hosts');
  visit(segments, 'segments');
  visit(memberships, 'memberships');
}

/**
 * Every string anywhere in the drawing (names, paths, addresses, and fields added later) is free of
 * control characters: a newline in a host name would end a `#` comment in a printed script and run
 * the rest of the name as a command (and the plan runs as root), and it breaks logs and terminals.
 */
export function checkText(topology: unknown, out: Finding[]): void {
  const visit = (value: unknown, path: PropertyKey[]): void => {
    if (typeof value === 'string') {
      const found = firstControlCharacter(value);
      if (found === undefined) return;
      const field = path.filter((k) => typeof k === 'string').pop();
      // Pinned through the file as written: a refused id still names the element whose text is at fault.
      out.push(
        finding(
          'TEXT_CONTROL_CHARACTER',
          elementAt(topology, path),
          formatPath(path),
          `${field === undefined ? 'A value' : String(field)} holds the control character ${found} (${JSON.stringify(value).slice(0, 60)})`,
        ),
      );
      return;
    }
    if (Array.isArray(value)) value.forEach((v, i) => visit(v, [...path, i]));
    else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) {
        if (firstControlCharacter(k) !== undefined) visit(k, [...path, k]);
        visit(v, [...path, k]);
      }
    }
  };
  visit(topology, []);
}
