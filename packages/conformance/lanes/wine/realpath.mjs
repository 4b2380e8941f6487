/**
 * Runs inside Node for Windows under Wine (through `--import`): gives Node the symlinks that Wine
 * hides from it.
 *
 * pnpm lays `node_modules` out as symlinks into `node_modules/.pnpm`, and Node finds a package's
 * own dependencies only from the package's real path. Wine 8 follows Unix symlinks for Windows
 * programs but never shows them as links, so Node for Windows cannot resolve a real path and the
 * second level of every import fails. The lane runner lists the workspace's symlinks on Linux
 * (`CONFORMANCE_WINE_LINKS`, a JSON map from link to real path, Windows paths); this module applies
 * them where Node resolves real paths: `fs.realpath*` (CommonJS loader, vite) and, through a
 * resolve hook, ES module URLs. Nothing else about module loading changes.
 */
import fs from 'node:fs';
import { register } from 'node:module';
import { realPath } from './real-path.mjs';

const file = process.env.CONFORMANCE_WINE_LINKS;
if (!file) throw new Error('CONFORMANCE_WINE_LINKS is not set: run this through lanes/windows.mjs');
/** @type {[string, string][]} */
const links = Object.entries(JSON.parse(fs.readFileSync(file, 'utf8')));
const table = new Map(links.map(([link, target]) => [link.toLowerCase(), target]));
const real = (path) => (typeof path === 'string' ? realPath(table, path) : path);

const { realpathSync, realpath } = fs;
const nativeSync = realpathSync.native;
const nativeAsync = realpath.native;
fs.realpathSync = Object.assign((path, options) => real(realpathSync(path, options)), {
  native: (path, options) => real(nativeSync(path, options)),
});
const callbackVersion = (original) => (path, options, callback) => {
  const done = typeof options === 'function' ? options : callback;
  const opts = typeof options === 'function' ? undefined : options;
  original(path, opts, (error, result) => done(error, error ? result : real(result)));
};
fs.realpath = Object.assign(callbackVersion(realpath), { native: callbackVersion(nativeAsync) });
const promiseVersion = fs.promises.realpath;
fs.promises.realpath = async (path, options) => real(await promiseVersion(path, options));

register(new URL('./resolve-hook.mjs', import.meta.url), { data: { links } });
