/**
 * JSON Schema (draft 2020-12) of the topology file, generated from the one zod definition so the
 * published `docs/topology.schema.json` can never disagree with what the app accepts.
 */
import { z } from 'zod';
import { CURRENT_FORMAT, InterfaceNameSchema, TopologySchema } from './topology';

/**
 * The interface-name rules are zod refinements, which JSON Schema cannot carry; restate them as a
 * pattern. Names are printable ASCII, so 15 characters = 15 bytes (IFNAMSIZ, ip-link(8)); the
 * classes skip "/" (0x2f) and ":" (0x3a); a leading "-" and the names "." and ".." are refused.
 */
export const INTERFACE_NAME_PATTERN = '^(?!-)(?!\\.\\.?$)[!-.0-9;-~]{1,15}$';

/**
 * Builds the JSON Schema of the file format in input mode: fields with defaults are optional, as
 * they are in a file.
 *
 * @example JSON.stringify(topologyJsonSchema(), null, 2) // the text of docs/topology.schema.json
 */
/** Minimal view of a zod string check, enough to find a regex and its flags. */
interface RegexCheck {
  _zod: { def: { check?: string; format?: string; pattern?: RegExp } };
}

/**
 * JSON Schema patterns have no flags, so a case-insensitive zod regex (`/^[a-z_]...$/i`, the SSH
 * user) would come out stricter than the app. Spell the letters out instead: `a-z` -> `A-Za-z`.
 */
function caseInsensitivePattern(checks: readonly RegexCheck[] | undefined, pattern: string): string | undefined {
  const regex = checks?.map((c) => c._zod.def.pattern).find((r) => r?.source === pattern);
  if (!regex?.flags.includes('i')) return undefined;
  return regex.source.replace(/(?<!Z)a-z/g, 'A-Za-z');
}

export function topologyJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(TopologySchema, {
    io: 'input',
    target: 'draft-2020-12',
    override: (ctx) => {
      if (ctx.zodSchema === InterfaceNameSchema) {
        ctx.jsonSchema.pattern = INTERFACE_NAME_PATTERN;
        ctx.jsonSchema.maxLength = 15;
        ctx.jsonSchema.description =
          'Linux interface name: 1-15 printable ASCII bytes, no "/", ":" or whitespace, not "." or "..", not starting with "-".';
        return;
      }
      const def = ctx.zodSchema._zod.def as { type: string; checks?: readonly RegexCheck[] };
      // The app drops unknown keys on reading; flagging them here lets an editor catch a misspelt
      // field before it is silently lost on save.
      if (def.type === 'object') ctx.jsonSchema.additionalProperties = false;
      if (def.type === 'string' && typeof ctx.jsonSchema.pattern === 'string') {
        const pattern = caseInsensitivePattern(def.checks, ctx.jsonSchema.pattern);
        if (pattern !== undefined) ctx.jsonSchema.pattern = pattern;
      }
    },
  });
  return {
    $schema: schema.$schema,
    title: `VXLAN Studio topology (format ${CURRENT_FORMAT})`,
    description:
      'A *.vxlan.json file: hosts, VXLAN segments, host-segment memberships and canvas layout. Cross-field rules (duplicates, address in subnet, MTU versus underlay) are checked by `vxlan-studio validate`; see docs/file-format.md.',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
}
