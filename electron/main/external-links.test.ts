import { describe, expect, it } from 'vitest';
import { externalLinkToOpen } from './external-links';

describe('external links', () => {
  it("opens the project's repository and documentation pages", () => {
    expect(externalLinkToOpen('https://github.com/vxlanstudio/vxlan-studio')).toBe('https://github.com/vxlanstudio/vxlan-studio');
    expect(externalLinkToOpen('https://github.com/vxlanstudio/vxlan-studio/blob/main/docs/file-format.md#hosts')).toBe(
      'https://github.com/vxlanstudio/vxlan-studio/blob/main/docs/file-format.md#hosts',
    );
    expect(externalLinkToOpen('https://github.com/vxlanstudio')).toBe('https://github.com/vxlanstudio');
    expect(externalLinkToOpen('https://vxlanstudio.github.io/guide/')).toBe('https://vxlanstudio.github.io/guide/');
    expect(externalLinkToOpen('HTTPS://GitHub.com/vxlanstudio/x')).toBe('https://github.com/vxlanstudio/x');
  });

  it('refuses every other scheme', () => {
    for (const url of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'http://github.com/vxlanstudio/vxlan-studio',
      'smb://github.com/vxlanstudio/',
      'data:text/html,<script>alert(1)</script>',
      'vscode://github.com/vxlanstudio/',
    ]) {
      expect(externalLinkToOpen(url), url).toBeUndefined();
    }
  });

  it('refuses other hosts, look-alike hosts and other GitHub accounts', () => {
    for (const url of [
      'https://evil.example/',
      'https://github.com.evil.com/vxlanstudio/vxlan-studio',
      'https://github.com.evil.com/',
      'https://evilgithub.com/vxlanstudio/',
      'https://gist.github.com/vxlanstudio/',
      'https://github.com/vxlanstudio-evil/x',
      'https://github.com/evil/vxlanstudio/',
      'https://github.com/',
      'https://evil.github.io/vxlanstudio/',
    ]) {
      expect(externalLinkToOpen(url), url).toBeUndefined();
    }
  });

  it('refuses tricks that only look like an allowed link as a string', () => {
    for (const url of [
      'https://github.com/vxlanstudio/../evil/repo',
      'https://github.com/vxlanstudio/%2e%2e/evil/repo',
      'https://github.com@evil.example/vxlanstudio/',
      'https://user:pass@github.com/vxlanstudio/',
      'https://github.com:8443/vxlanstudio/',
      'https://github.com%2eevil.com/vxlanstudio/',
      'not a url',
      '',
    ]) {
      expect(externalLinkToOpen(url), url).toBeUndefined();
    }
  });
});
