import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTopologyText, TopologyIdSchema, type Topology } from '../../../shared/model';
import { validateTopology } from '../../../shared/validate';
import { emptyTopology } from '../editor/topology-ops';
import { meshTemplate, textbookTemplate } from './templates';

/** The network a drawing describes: not its layout, nor its id (each drawing made from a template has its own). */
function networkData(t: Topology): Omit<Topology, 'layout' | '$schema' | 'id'> {
  const { layout: _layout, $schema: _schema, id: _id, ...rest } = t;
  return rest;
}

describe('templates', () => {
  it('"Two hosts (textbook)" is the shipped examples/textbook.vxlan.json network, the primer\'s recipe', () => {
    const parsed = parseTopologyText(readFileSync(new URL('../../../examples/textbook.vxlan.json', import.meta.url), 'utf8'));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    expect(networkData(textbookTemplate())).toEqual(networkData(parsed.topology));
  });

  it('an N-host mesh has N members with distinct overlay addresses and no validation errors', () => {
    const t = meshTemplate(7);
    expect(t.hosts).toHaveLength(7);
    expect(new Set(t.memberships.map((m) => m.address)).size).toBe(7);
    expect(validateTopology(t).filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('File > New and every template give each new drawing an id of its own, which is what marks its devices on the hosts', () => {
    const made = [
      emptyTopology(),
      emptyTopology(),
      textbookTemplate(),
      textbookTemplate(),
      meshTemplate(4),
      meshTemplate(4),
      meshTemplate(7),
    ];
    const ids = made.map((t) => t.id);
    expect(new Set(ids).size).toBe(made.length);
    for (const id of ids) expect(TopologyIdSchema.safeParse(id).success, id).toBe(true);
    expect(ids.map((id) => id.replace(/-[0-9a-f]{8}$/, ''))).toEqual([
      'untitled',
      'untitled',
      'textbook',
      'textbook',
      'mesh-4',
      'mesh-4',
      'mesh-7',
    ]);
  });
});
