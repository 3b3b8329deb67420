import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTopologyText, type Topology } from '../../../shared/model';
import { validateTopology } from '../../../shared/validate';
import { meshTemplate, textbookTemplate } from './templates';

function networkData(t: Topology): Omit<Topology, 'layout' | '$schema'> {
  const { layout: _layout, $schema: _schema, ...rest } = t;
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
});
