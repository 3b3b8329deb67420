/**
 * The `<meta http-equiv="Content-Security-Policy">` of the renderer page. A page loaded over
 * file:// (the desktop app) gets no HTTP headers, so its policy must be in the page itself; a page
 * served over HTTP (web mode) gets the policy as a header, and a meta policy would be enforced *on
 * top of* it (CSP 3 §8.1: every policy delivered applies), so web mode serves the page without it.
 */

const CSP_META = /<meta\b[^>]*\bhttp-equiv\s*=\s*(["']?)content-security-policy\1[^>]*>[^\S\n]*\n?/gi;

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/**
 * `html` with every CSP meta element removed and, when `policy` is given, one meta carrying it as
 * the first element of `<head>` (a meta policy only governs what comes after it).
 *
 * @example
 * withCspMeta('<html><head><title>x</title>', "default-src 'none'")
 * // '<html><head><meta http-equiv="Content-Security-Policy" content="default-src \'none\'"><title>x</title>'
 */
export function withCspMeta(html: string, policy?: string): string {
  const stripped = html.replace(CSP_META, '');
  if (policy === undefined) return stripped;
  const head = /<head\b[^>]*>/i.exec(stripped);
  if (!head) throw new Error('the page has no <head> to put its Content-Security-Policy in');
  const at = head.index + head[0].length;
  return `${stripped.slice(0, at)}<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(policy)}">${stripped.slice(at)}`;
}
