// Runs a TypeScript entry of this repository without a build step to forget: esbuild compiles the entry and
// every source file it imports into one ES module at start (about 0.1 s), written under
// node_modules/.cache/syncsim/ so that packages resolve from there as from the sources. Why not tsx's
// loader: on Node 20 its hooks run in a second V8 thread for the whole process, about 64 MB of RSS that a
// 1,000-device run pays to the end (bench/PROFILING.md). Where compiling cannot be done (a read-only install,
// an esbuild binary that will not start), tsx's loader runs the sources instead.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = join(REPO_ROOT, 'node_modules', '.cache', 'syncsim');

/** Same text already there: leave it (other processes may be importing it). Else write beside, then rename. */
function writeIfChanged(path, contents) {
  try {
    if (Buffer.compare(readFileSync(path), contents) === 0) return;
  } catch {
    // Not there yet.
  }
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

/** Compiles `entry` (a path) and what it imports from the repository into one module; returns its path. */
export async function compileTypeScript(entry) {
  const esbuild = await import('esbuild');
  const absolute = resolve(entry);
  // One output per entry: the name says which, the hash keeps two entries with one name apart.
  const key = createHash('sha1').update(absolute).digest('hex').slice(0, 8);
  const outfile = join(CACHE, `${basename(absolute, extname(absolute))}-${key}.mjs`);
  try {
    const result = await esbuild.build({
      entryPoints: [absolute],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      // Packages stay imports: native modules, and one copy of each.
      packages: 'external',
      sourcemap: 'linked',
      outfile,
      write: false,
      logLevel: 'silent',
    });
    mkdirSync(CACHE, { recursive: true });
    // The map first, so the module never points at a map of another build.
    const isMap = (file) => file.path.endsWith('.map');
    for (const file of [
      ...result.outputFiles.filter(isMap),
      ...result.outputFiles.filter((file) => !isMap(file)),
    ]) {
      writeIfChanged(file.path, file.contents);
    }
  } finally {
    // esbuild's service process would otherwise live as long as this one.
    await esbuild.stop();
  }
  return outfile;
}

/** esbuild's own report of errors in the sources: tsx would fail on them too, so they are shown as they are. */
function isBuildFailure(error) {
  return error instanceof Error && 'errors' in error && Array.isArray(error.errors);
}

/** Imports a TypeScript entry of this repository, compiled as above. */
export async function importTypeScript(entry) {
  let compiled;
  try {
    compiled = await compileTypeScript(entry);
  } catch (error) {
    // Anything else (a cache that cannot be written, an esbuild binary that will not start) costs memory, not
    // correctness: tsx's loader runs the same sources.
    if (isBuildFailure(error)) throw error;
    const { register } = await import('tsx/esm/api');
    register();
    return import(pathToFileURL(resolve(entry)).href);
  }
  return import(pathToFileURL(compiled).href);
}
