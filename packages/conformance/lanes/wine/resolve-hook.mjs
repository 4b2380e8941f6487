/**
 * The ES module half of `realpath.mjs` (it runs on Node's loader thread): every `file:` URL Node
 * resolves is turned into its real path, so the next import from that module starts where Linux
 * would start it.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { realPath } from './real-path.mjs';

/** @type {Map<string, string>} */
let table = new Map();

/** @param {{ links: [string, string][] }} data */
export function initialize(data) {
  table = new Map(data.links.map(([link, target]) => [link.toLowerCase(), target]));
}

/**
 * @param {string} specifier
 * @param {object} context
 * @param {(specifier: string, context: object) => Promise<{ url: string }>} next
 */
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (!result.url.startsWith('file:')) return result;
  return { ...result, url: pathToFileURL(realPath(table, fileURLToPath(result.url))).href };
}
