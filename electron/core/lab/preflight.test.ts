import { describe, expect, it } from 'vitest';
import { assertTools, findExecutable, LabError } from './preflight';

describe('lab preflight', () => {
  it('finds installed tools by absolute path, also in sbin directories missing from PATH', () => {
    expect(findExecutable('sh', '')).toMatch(/^\/.*\/sh$/);
  });

  it('names each missing tool with its Debian package and the apt-get line to install them', () => {
    const missing = [
      { name: 'vxs-no-such-tool-a', debianPackage: 'pkg-a', purpose: 'testing A' },
      { name: 'vxs-no-such-tool-b', debianPackage: 'pkg-b', purpose: 'testing B' },
    ];
    expect(() => assertTools(missing)).toThrow(LabError);
    expect(() => assertTools(missing)).toThrow(
      [
        'the lab needs tools that are not installed:',
        '  vxs-no-such-tool-a (Debian package pkg-a): needed for testing A',
        '  vxs-no-such-tool-b (Debian package pkg-b): needed for testing B',
        'install them with: apt-get install pkg-a pkg-b',
      ].join('\n'),
    );
  });
});
