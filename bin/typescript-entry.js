// Runs a TypeScript entry of this repository without a build step to forget: esbuild compiles the entry and
// every source file it imports into one ES module at start (about 0.5 s), written under
// node_modules/.cache/syncsim/ so that packages resolve from there as from the sources. The module is reused
// while none of the files it was built from has changed (their sizes and modification times are kept beside
// it), so a start with nothing edited only checks them (a few ms). Why not tsx's
// loader: on Node 20 its hooks run in a second V8 thread for the whole process, about 64 MB of RSS that a
// 1,000-device run pays to the end (bench/PROFILING.md). Where compiling cannot be done (a read-only install,
// an esbuild binary that will not start), tsx's loader runs the sources instead.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { threadId } from 'node:worker_threads';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = join(REPO_ROOT, 'node_modules', '.cache', 'syncsim');

/** Same text already there: leave it (other processes may be importing it). Else write beside, then rename. */
function writeIfChanged(path, contents) {
  try {
    if (Buffer.compare(readFileSync(path), contents) === 0) return;
  } catch {
    // Not there yet.
  }
  // The thread too: the shards of `run --workers` are threads of one process.
  const temporary = `${path}.${process.pid}-${threadId}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

/**
 * Packages stay imports (native modules; one copy of each), but those named here, which are bundled: pure
 * ESM spread over hundreds of files, whose loading cost each start (and each `--workers` shard thread) a
 * third of a second for typebox alone, against a few milliseconds as part of the bundle.
 */
const BUNDLED_PACKAGES = ['typebox'];

/** A bare specifier (not relative, not absolute) is a package, unless it is one of BUNDLED_PACKAGES. */
const externalPackages = {
  name: 'syncsim-external-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      const name = args.path.startsWith('@')
        ? args.path.split('/').slice(0, 2).join('/')
        : args.path.split('/')[0];
      if (BUNDLED_PACKAGES.includes(name)) return undefined;
      return { path: args.path, external: true };
    });
  },
};

/** Where the module compiled from `entry` goes: one per entry, named after it, a hash keeping two entries with one name apart. */
function outputOf(absolute) {
  const key = createHash('sha1').update(absolute).digest('hex').slice(0, 8);
  return join(CACHE, `${basename(absolute, extname(absolute))}-${key}.mjs`);
}

/** A file's size and modification time, or null when it is gone: what the reuse of a module is checked against. */
function fingerprint(path) {
  const stats = statSync(path, { bigint: true, throwIfNoEntry: false });
  return stats === undefined
    ? null
    : { print: `${stats.size}:${stats.mtimeNs}`, mtimeMs: Number(stats.mtimeNs / 1_000_000n) };
}

/**
 * The files a module is checked against, besides itself and its map: this file (how it is built), the
 * settings esbuild reads without listing them as inputs, and the repository's sources it read. Bundled
 * packages are vouched for by package-lock.json (npm rewrites it when they change), not file by file: ~680
 * of typebox's files would be most of the check at every start.
 */
function sourcesOf(inputs) {
  const settings = ['tsconfig.json', 'package.json', 'package-lock.json'].map((name) =>
    join(REPO_ROOT, name),
  );
  const repository = inputs.filter((path) => !path.includes(`${sep}node_modules${sep}`));
  return [fileURLToPath(import.meta.url), ...settings, ...repository];
}

/**
 * True when the module compiled from `entry` is there and every file it was built from is as it was then.
 * A manifest that cannot be read (none yet, an older format, a torn write) means "compile".
 */
export function isCompiledUpToDate(entry) {
  return isUpToDate(outputOf(resolve(entry)));
}

function isUpToDate(outfile) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(`${outfile}.inputs.json`, 'utf8'));
  } catch {
    return false;
  }
  if (manifest?.esbuild !== esbuildVersion() || typeof manifest.files !== 'object') return false;
  const files = Object.entries(manifest.files);
  return files.length > 0 && files.every(([path, print]) => fingerprint(path)?.print === print);
}

/** esbuild's version, read from its package.json: importing esbuild just to ask would cost what reuse saves. */
function esbuildVersion() {
  try {
    return String(
      JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', 'esbuild', 'package.json'), 'utf8')).version,
    );
  } catch {
    return null;
  }
}

/**
 * Keeps the fingerprints of the module, its map and the files the build read. Not when a source changed
 * while it was being built (its content may be the old one): the next start compiles again.
 */
function writeManifest(outfile, inputs, startedMs) {
  const files = {};
  const record = (path, isSource) => {
    const found = fingerprint(path);
    if (found === null || (isSource && found.mtimeMs >= startedMs)) return false;
    files[path] = found.print;
    return true;
  };
  const complete =
    [outfile, `${outfile}.map`].every((path) => record(path, false)) &&
    sourcesOf(inputs).every((path) => record(path, true));
  if (complete) {
    writeIfChanged(
      `${outfile}.inputs.json`,
      Buffer.from(JSON.stringify({ esbuild: esbuildVersion(), files })),
    );
  }
}

/** Compiles `entry` (a path) and what it imports from the repository into one module; returns its path. */
export async function compileTypeScript(entry) {
  const esbuild = await import('esbuild');
  const absolute = resolve(entry);
  const outfile = outputOf(absolute);
  // Whole milliseconds, a little early: a file written in the build's first instant counts as changed.
  const startedMs = Date.now() - 1;
  try {
    const result = await esbuild.build({
      entryPoints: [absolute],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      plugins: [externalPackages],
      sourcemap: 'linked',
      outfile,
      write: false,
      metafile: true,
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
    // The manifest last: it vouches for the module written above.
    const inputs = Object.keys(result.metafile.inputs).map((path) => resolve(path));
    writeManifest(outfile, inputs, startedMs);
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
  const outfile = outputOf(resolve(entry));
  if (isUpToDate(outfile)) return import(pathToFileURL(outfile).href);
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
