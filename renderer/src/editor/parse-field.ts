/**
 * Turns what was typed into a field into a typed value using the file format's own zod schemas,
 * so the inspector and the file loader give the same message for the same mistake.
 */
import type * as z from 'zod/mini';

export type Parsed<T> = { value: T } | { error: string };

function zodMessage(error: z.core.$ZodError): string {
  return error.issues[0]?.message ?? 'is not valid';
}

export function parseWith<T>(schema: z.ZodMiniType<T>, value: unknown): Parsed<T> {
  const r = schema.safeParse(value);
  return r.success ? { value: r.data } : { error: zodMessage(r.error) };
}

/** A whole number typed as text; anything else is refused before the schema sees it. */
export function parseNumber(raw: string, schema: z.ZodMiniType<number>): Parsed<number> {
  const t = raw.trim();
  if (t === '') return { error: 'must not be empty' };
  if (!/^[-+]?\d+(\.\d+)?$/.test(t)) return { error: 'must be a number' };
  return parseWith(schema, Number(t));
}

export function parseText(raw: string, schema: z.ZodMiniType<string>): Parsed<string> {
  return parseWith(schema, raw.trim());
}

/** Empty means "not set" for optional fields. */
export function parseOptionalText(raw: string, schema: z.ZodMiniType<string>): Parsed<string | undefined> {
  return raw.trim() === '' ? { value: undefined } : parseText(raw, schema);
}

/** `auto` (or empty) or a value of the schema. */
export function parseAutoText(raw: string, schema: z.ZodMiniType<string>): Parsed<string> {
  const t = raw.trim();
  return t === '' || t === 'auto' ? { value: 'auto' } : parseText(t, schema);
}

export function parseAutoNumber(raw: string, schema: z.ZodMiniType<number>): Parsed<number | 'auto'> {
  const t = raw.trim();
  return t === '' || t === 'auto' ? { value: 'auto' } : parseNumber(t, schema);
}

/** A list typed as words separated by commas or spaces, each checked by the schema. */
export function parseList(raw: string, schema: z.ZodMiniType<string>): Parsed<string[]> {
  const items = raw.split(/[\s,]+/).filter((s) => s !== '');
  const out: string[] = [];
  for (const item of items) {
    const r = parseWith(schema, item);
    if ('error' in r) return { error: `"${item}" ${r.error}` };
    out.push(r.value);
  }
  if (new Set(out).size !== out.length) return { error: 'lists a name twice' };
  return { value: out };
}
