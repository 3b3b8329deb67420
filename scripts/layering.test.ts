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

  it('refuses product code that imports the lab: the deploy runner, a CLI command, the Electron main', async () => {
    const probes: [file: string, code: string][] = [
      [
        'electron/core/deploy/probe.ts',
        "import { labConnector } from '../lab/controller-connector';\nexport const c = labConnector;\n",
      ],
      ['electron/cli/commands/probe.ts', "import { getLab } from '../../core/lab/index';\nexport const g = getLab;\n"],
      ['electron/main/probe.ts', "import { labUp } from '../core/lab';\nexport const u = labUp;\n"],
    ];
    for (const [file, code] of probes) {
      expect((await restrictedImports(file, code)).join('\n'), file).toMatch(
        /Product code does not import the lab, bench\/, e2e\/ or test support/,
      );
    }
  });

  it('refuses product code that imports a bench, an e2e fixture or test support', async () => {
    const probes: [file: string, code: string][] = [
      ['electron/core/health/probe.ts', "import { run } from '../../../bench/health.bench';\nexport const r = run;\n"],
      ['electron/core/web/probe.ts', "import { start } from '../../../e2e/fixtures/lab-server';\nexport const s = start;\n"],
      ['electron/cli/commands/probe.ts', "import { runBin } from './run-bin.testing';\nexport const r = runBin;\n"],
      ['shared/plan/probe.ts', "import { golden } from './plan.test';\nexport const g = golden;\n"],
    ];
    for (const [file, code] of probes) {
      expect((await restrictedImports(file, code)).join('\n'), file).toMatch(/Product code does not import/);
    }
  });

  it("lets tests, the lab itself and the lab's front doors (the lab and demo commands, --lab) import the lab", async () => {
    const probes: [file: string, code: string][] = [
      ['electron/core/deploy/probe.int.test.ts', "import { labUp } from '../lab';\nexport const u = labUp;\n"],
      ['electron/cli/commands/probe.testing.ts', "import { labUp } from '../../core/lab';\nexport const u = labUp;\n"],
      [
        'electron/core/lab/probe.ts',
        "import { createDeploySsh } from '../deploy/ssh-setup';\nexport const d = createDeploySsh;\n",
      ],
      ['electron/cli/commands/demo.ts', "import { labUp } from '../../core/lab/index';\nexport const u = labUp;\n"],
      ['electron/cli/commands/lab.ts', "import { labUp } from '../../core/lab/index';\nexport const u = labUp;\n"],
      ['electron/cli/lab-option.ts', "import { getLab } from '../core/lab/index';\nexport const g = getLab;\n"],
      // The CLI's command list registers the lab command: a front door, not the lab.
      ['electron/cli/commands/index.ts', "import { labCommand } from './lab';\nexport const l = labCommand;\n"],
    ];
    for (const [file, code] of probes) expect(await restrictedImports(file, code), file).toEqual([]);
  });

  it('lets the renderer import shared/', async () => {
    const messages = await restrictedImports(
      'renderer/src/probe.ts',
      "import { parseTopologyText } from '../../shared/model';\nexport const p = parseTopologyText;\n",
    );
    expect(messages).toEqual([]);
  });
});
