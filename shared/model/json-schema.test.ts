import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INTERFACE_NAME_PATTERN, topologyJsonSchema } from './json-schema';
import { InterfaceNameSchema, SshTargetSchema } from './topology';

describe('docs/topology.schema.json', () => {
  it('is exactly what `npm run schema` generates from the zod definition', () => {
    const committed = readFileSync(new URL('../../docs/topology.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(`${JSON.stringify(topologyJsonSchema(), null, 2)}\n`);
  });

  it('leaves fields with defaults optional, as a hand-written file may omit them', () => {
    const schema = topologyJsonSchema() as { required: string[] };
    expect(schema.required.sort()).toEqual(['format', 'id', 'name']);
  });

  it('flags unknown fields in every object, since the app would drop them on save', () => {
    const text = JSON.stringify(topologyJsonSchema());
    const objects = (text.match(/"type":"object"/g) ?? []).length;
    expect(objects).toBeGreaterThan(5);
    // Every object schema except the free-form layout.positions record forbids extra keys.
    expect((text.match(/"additionalProperties":false/g) ?? []).length).toBe(objects - 1);
  });

  it('states the interface-name rule as a pattern that agrees with the app on any string', () => {
    const pattern = new RegExp(INTERFACE_NAME_PATTERN, 'u');
    const samples = ['vxlan100', 'br-overlay', 'br-0123456789abc', '-x', '.', '..', '...', 'a/b', 'a:b', 'a b', 'é', 'eth0.100'];
    for (const s of samples) expect(pattern.test(s), s).toBe(InterfaceNameSchema.safeParse(s).success);
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 20 })),
        (s) => pattern.test(s) === InterfaceNameSchema.safeParse(s).success,
      ),
      { numRuns: 1000 },
    );
  });

  it('accepts upper-case SSH users, as the app does, although JSON Schema patterns have no "i" flag', () => {
    const schema = JSON.stringify(topologyJsonSchema());
    expect(SshTargetSchema.shape.user.safeParse('Admin').success).toBe(true);
    expect(schema).toContain('"pattern":"^[A-Za-z_][A-Za-z0-9_.-]{0,31}$"');
  });
});
