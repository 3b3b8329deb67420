import { describe, expect, it } from 'vitest';
import { isTrustedFrame, isTrustedUrl } from './trusted-sender';

const pages = { rendererFileUrl: 'file:///app/dist/renderer/index.html' };
const dev = { ...pages, devServerUrl: 'http://localhost:5173/' };

describe('trusted sender', () => {
  it('trusts our built page with any hash or query', () => {
    expect(isTrustedUrl('file:///app/dist/renderer/index.html', pages)).toBe(true);
    expect(isTrustedUrl('file:///app/dist/renderer/index.html?x=1#/canvas', pages)).toBe(true);
  });

  it('distrusts other files, other sites and garbage', () => {
    expect(isTrustedUrl('file:///app/dist/renderer/other.html', pages)).toBe(false);
    expect(isTrustedUrl('file:///tmp/index.html', pages)).toBe(false);
    expect(isTrustedUrl('http://localhost:5173/', pages)).toBe(false);
    expect(isTrustedUrl('not a url', pages)).toBe(false);
    expect(isTrustedUrl('', pages)).toBe(false);
  });

  it('trusts the dev server origin only when one is configured', () => {
    expect(isTrustedUrl('http://localhost:5173/src/main.tsx', dev)).toBe(true);
    expect(isTrustedUrl('http://localhost:5174/', dev)).toBe(false);
    expect(isTrustedUrl('http://localhost.evil.example:5173/', dev)).toBe(false);
  });

  it('trusts only top frames', () => {
    expect(isTrustedFrame({ url: pages.rendererFileUrl, parent: null }, pages)).toBe(true);
    expect(isTrustedFrame({ url: pages.rendererFileUrl, parent: {} }, pages)).toBe(false);
    expect(isTrustedFrame(null, pages)).toBe(false);
  });
});
