// `node bin/run-typescript.js FILE.ts ARGS...`: runs a TypeScript script of this repository (the benchmark
// children) compiled as the syncsim command is, so that a measurement pays what a syncsim run pays.
import { importTypeScript } from './typescript-entry.js';

const entry = process.argv[2];
if (entry === undefined) {
  process.stderr.write('usage: node bin/run-typescript.js FILE.ts [ARGS...]\n');
  process.exit(2);
}
// The script sees the argv it would see run directly: [node, FILE.ts, ARGS...].
process.argv.splice(1, 1);
await importTypeScript(entry);
