import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// electron-builder's own YAML parser and JSON schema, as installed with it.
const require = createRequire(`${ROOT}node_modules/app-builder-lib/package.json`);
const yaml = require('js-yaml') as { load: (text: string) => unknown };
const Ajv = require('ajv') as new (options: object) => {
  compile: (schema: unknown) => ((data: unknown) => boolean) & { errors?: unknown };
};

const config = yaml.load(readFileSync(`${ROOT}electron-builder.yml`, 'utf8')) as Record<string, unknown>;

describe('electron-builder.yml', () => {
  it("is valid against electron-builder's configuration schema", () => {
    const schema = JSON.parse(readFileSync(`${ROOT}node_modules/app-builder-lib/scheme.json`, 'utf8')) as unknown;
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
  });

  it('packs the bundled app for Linux (AppImage, deb), macOS (dmg) and Windows (nsis)', () => {
    expect(config).toMatchObject({
      appId: 'io.github.vxlanstudio.app',
      productName: 'VXLAN Studio',
      directories: { output: 'release' },
      linux: { target: ['AppImage', 'deb'], category: 'Network', maintainer: expect.stringContaining('@') as string },
      mac: { target: ['dmg'] },
      win: { target: ['nsis'] },
    });
    expect(config.files).toEqual(expect.arrayContaining(['dist/**', 'package.json']));
  });

  it('burns the Electron fuses that stop the packaged binary running foreign code', () => {
    // The keys are electron-builder 26's FuseOptionsV1 (the schema test above refuses unknown ones).
    expect(config['electronFuses']).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
    // onlyLoadAppFromAsar only means something when the app is packed into an asar.
    expect(config['asar']).toBe(true);
  });

  it('starts the bundled main process named in package.json', () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { main?: string; scripts?: Record<string, string> };
    expect(pkg.main).toBe('dist/electron/main.cjs');
    expect(pkg.scripts?.['build:electron']).toBe('node scripts/build-electron.mjs');
  });
});
