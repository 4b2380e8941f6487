/**
 * The real path of a Windows path, given the workspace's symlinks (lower-cased link path to
 * target, both Windows paths): the longest linked prefix is replaced by its target until none is
 * left, as the kernel does when it walks a path.
 */
import { win32 } from 'node:path';

/**
 * @param {Map<string, string>} links
 * @param {string} path
 * @returns {string}
 */
export function realPath(links, path) {
  let current = win32.resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    const parts = current.split('\\');
    let replaced = false;
    for (let length = parts.length; length > 1 && !replaced; length--) {
      const target = links.get(parts.slice(0, length).join('\\').toLowerCase());
      if (target !== undefined) {
        current = [target, ...parts.slice(length)].join('\\');
        replaced = true;
      }
    }
    if (!replaced) return current;
  }
  throw new Error(`too many levels of symbolic links: ${path}`);
}
