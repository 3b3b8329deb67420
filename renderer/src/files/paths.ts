/** Path helpers for paths typed by the user in web mode (the backend's OS may differ from ours). */

export function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || p.startsWith('\\\\') || /^[A-Za-z]:[\\/]/.test(p);
}

/** Resolves a typed path against the backend's working directory; absolute paths stay as typed. */
export function resolvePath(typed: string, workingDirectory: string): string {
  const p = typed.trim();
  if (isAbsolutePath(p) || workingDirectory === '') return p;
  const sep = workingDirectory.includes('\\') && !workingDirectory.includes('/') ? '\\' : '/';
  const base = workingDirectory.endsWith(sep) ? workingDirectory : workingDirectory + sep;
  return base + p.replace(/^\.[\\/]/, '');
}

export function baseName(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] ?? p;
}

/** A file name made from a topology name: `Two hosts (textbook)` -> `two-hosts-textbook.vxlan.json`. */
export function suggestedFileName(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${slug === '' ? 'topology' : slug}.vxlan.json`;
}
