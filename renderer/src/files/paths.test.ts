import { describe, expect, it } from 'vitest';
import { documentTitle } from './file-actions';
import { resolvePath, suggestedFileName } from './paths';

describe('paths typed in web mode', () => {
  it('resolve relative paths against the backend working directory and keep absolute ones', () => {
    expect(resolvePath('net.vxlan.json', '/home/ops')).toBe('/home/ops/net.vxlan.json');
    expect(resolvePath('./sub/net.vxlan.json', '/home/ops/')).toBe('/home/ops/sub/net.vxlan.json');
    expect(resolvePath('/etc/x.vxlan.json', '/home/ops')).toBe('/etc/x.vxlan.json');
    expect(resolvePath('net.vxlan.json', 'C:\\Users\\ops')).toBe('C:\\Users\\ops\\net.vxlan.json');
    expect(resolvePath('D:\\x.vxlan.json', 'C:\\Users\\ops')).toBe('D:\\x.vxlan.json');
  });

  it('suggest a file name from the drawing name', () => {
    expect(suggestedFileName('Two hosts (textbook)')).toBe('two-hosts-textbook.vxlan.json');
    expect(suggestedFileName('***')).toBe('topology.vxlan.json');
  });
});

describe('window title', () => {
  it('reads "name* — VXLAN Studio" with the file name, or the drawing name while unsaved', () => {
    expect(documentTitle('/home/ops/lab.vxlan.json', 'Lab', true)).toBe('lab.vxlan.json* — VXLAN Studio');
    expect(documentTitle('/home/ops/lab.vxlan.json', 'Lab', false)).toBe('lab.vxlan.json — VXLAN Studio');
    expect(documentTitle(null, 'Untitled', false)).toBe('Untitled — VXLAN Studio');
  });
});
