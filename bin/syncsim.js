#!/usr/bin/env -S node --max-old-space-size=2000 --v8-pool-size=1
// The syncsim command. The TypeScript sources are compiled at start (bin/typescript-entry.js), so there is
// no build step to forget.
//
// The heap cap on the line above is a memory setting, not a limit anyone should reach: under 2 GB V8 grows
// the heap to at most about twice what is live after a collection, above it to four times, which made a
// 1,000-device run hold ~900 MB for ~150 MB of live data (bench/PROFILING.md). Bigger runs: shard them, or
// `node --max-old-space-size=8000 bin/syncsim.js ...`. One V8 helper thread instead of four: with
// `--workers 2` both cores run a shard, and the shards' GC helpers only took turns from them (~5% faster,
// the same in one process). The benchmarks read their flags from that line.
import { isMainThread, parentPort } from 'node:worker_threads';
import { importTypeScript } from './typescript-entry.js';

// A shard of `run --workers` runs this file in a worker thread (src/cli/run-workers.ts), and threads get no
// signals: the parent posts the signal's name and it is raised here. A shard with no handler yet (still
// starting) stops at once with no report, as a process would on an unhandled SIGINT: exit 143, never 130,
// which the parent reads as "interrupted, with a partial report".
if (!isMainThread) {
  parentPort
    ?.on('message', (signal) => {
      if (process.listenerCount(signal) > 0) process.emit(signal, signal);
      else process.exit(143);
    })
    .unref();
}

const { main } = await importTypeScript(new URL('../src/cli.ts', import.meta.url).pathname);
process.exitCode = await main(process.argv.slice(2));
