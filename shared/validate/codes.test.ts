import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VALIDATION_CODES } from './codes';

const doc = readFileSync(new URL('../../docs/file-format.md', import.meta.url), 'utf8');

describe('docs/file-format.md', () => {
  it('documents every validation code', () => {
    const missing = Object.keys(VALIDATION_CODES).filter((code) => !doc.includes(`| \`${code}\` |`));
    expect(missing).toEqual([]);
  });

  it('shows the textbook example exactly as shipped in examples/', () => {
    const example = readFileSync(new URL('../../examples/textbook.vxlan.json', import.meta.url), 'utf8');
    expect(doc).toContain(`\`\`\`json\n${example}\`\`\``);
  });
});
