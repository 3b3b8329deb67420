/**
 * The layering rules (shared imports nothing of ours; renderer and electron/core import only shared;
 * electron/main imports core and shared) are enforced by lint (and by tsconfig references at
 * typecheck time). These tests run the project's own eslint config on probe files placed in each
 * part, so removing or weakening a rule fails the suite instead of review.
 */
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import config from '../eslint.config.js';

// Only the layering rules matter here; type-aware rules would need the probe files on disk.
const layeringOnly: Linter.Config[] = config
  .filter((c) => c.rules !== undefined && 'no-restricted-imports' in c.rules)
  .map((c) => ({ ...c, rules: { 'no-restricted-imports': c.rules?.['no-restricted-imports'] } }));

const eslint = new ESLint({
  cwd: process.cwd(),
  overrideConfigFile: true,
  overrideConfig: [{ files: ['**/*.ts', '**/*.tsx'], languageOptions: { parser: tseslint.parser } }, ...layeringOnly],
});

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import layering', () => {
  it('refuses a renderer file that imports electron/core', async () => {
    const messages = await restrictedImports(
      'renderer/src/probe.ts',
      "import { labUp } from '../../electron/core/lab';\nexport const x = labUp;\n",
    );
    expect(messages.join('\n')).toMatch(/renderer\/ knows only the API contract/);
  });

  it('refuses a shared/ file that imports node:fs', async () => {
    const messages = await restrictedImports(
      'shared/model/probe.ts',
      "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n",
    );
    expect(messages.join('\n')).toMatch(/shared\/ is pure TypeScript/);
  });

  it('refuses electron/core importing electron', async () => {
    const messages = await restrictedImports(
      'electron/core/probe.ts',
      "import { app } from 'electron';\nexport const a = app;\n",
    );
    expect(messages.join('\n')).toMatch(/electron\/core is plain Node/);
  });

  it('lets the renderer import shared/', async () => {
    const messages = await restrictedImports(
      'renderer/src/probe.ts',
      "import { parseTopologyText } from '../../shared/model';\nexport const p = parseTopologyText;\n",
    );
    expect(messages).toEqual([]);
  });
});
