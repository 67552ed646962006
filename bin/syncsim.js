#!/usr/bin/env -S node --max-old-space-size=2000
// The syncsim command. The TypeScript sources are compiled at start (bin/typescript-entry.js), so there is
// no build step to forget.
//
// The heap cap on the line above is a memory setting, not a limit anyone should reach: under 2 GB V8 grows
// the heap to at most about twice what is live after a collection, above it to four times, which made a
// 1,000-device run hold ~900 MB for ~150 MB of live data (bench/PROFILING.md). Bigger runs: shard them, or
// `node --max-old-space-size=8000 bin/syncsim.js ...`. The benchmarks read their flags from that line.
import { importTypeScript } from './typescript-entry.js';

const { main } = await importTypeScript(new URL('../src/cli.ts', import.meta.url).pathname);
process.exitCode = await main(process.argv.slice(2));
