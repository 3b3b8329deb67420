/**
 * Which links the app hands to the user's browser (`shell.openExternal`). openExternal runs whatever
 * the OS associates with a URL, so a page that can open `file:`, `javascript:`, `smb:` or any https
 * site can launch programs or phish with the app's name on it (Electron security checklist item 15).
 * Only the project's own pages are let through.
 */

/** A place we link to: an exact https host and a path prefix (ending in `/`) on it. */
export interface AllowedLink {
  host: string;
  pathPrefix: string;
}

/**
 * The project's repository and its documentation site (the GitHub organisation named by the
 * appId io.github.vxlanstudio.app in electron-builder.yml).
 */
export const PROJECT_LINKS: readonly AllowedLink[] = [
  { host: 'github.com', pathPrefix: '/vxlanstudio/' },
  { host: 'vxlanstudio.github.io', pathPrefix: '/' },
];

/**
 * The URL to open in the user's browser, normalised, or undefined when it is not one of `allowed`.
 * The check runs on the parsed URL (host compared whole, path after `..` and `%2e%2e` are resolved),
 * never on the string, so `https://github.com.evil.example/vxlanstudio/` and
 * `https://github.com/vxlanstudio/../evil` do not pass; credentials and non-default ports are refused.
 *
 * @example
 * externalLinkToOpen('https://github.com/vxlanstudio/vxlan-studio#readme')  // 'https://github.com/vxlanstudio/vxlan-studio#readme'
 * externalLinkToOpen('file:///etc/passwd')                                 // undefined
 */
export function externalLinkToOpen(url: string, allowed: readonly AllowedLink[] = PROJECT_LINKS): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' || parsed.username !== '' || parsed.password !== '' || parsed.port !== '') return undefined;
  const ok = allowed.some(
    (link) =>
      parsed.hostname === link.host && (parsed.pathname.startsWith(link.pathPrefix) || `${parsed.pathname}/` === link.pathPrefix),
  );
  return ok ? parsed.href : undefined;
}
