/**
 * Benchmark 3, syncsim's side: a realtime run against a backend URL (`syncsim serve` in another process), in
 * one of the loads of lib/http-load.ts (backlog: offline, then a drain in full batches; trickle: selling
 * faster than the requests can carry). Hardened policy: one request in flight per device.
 *
 *   node bin/run-typescript.js bench/child/http-syncsim.ts --url http://127.0.0.1:PORT --kind backlog \
 *     --devices 32 --sales 3000 --hours 3 --speed 600 --out DIR
 *
 * Requests per second come from the run's per-minute timeline (requestRate): start-up (opening device
 * files), the offline hours and the end (reading the rows back) are not load.
 */
import { loadScenario } from '../../src/scenarios/loader.ts';
import { runSimulation } from '../../src/sim/runner.ts';
import { readFlags, stringFlag } from '../lib/child-args.ts';
import { emitResult, peakRssKb } from '../lib/child-result.ts';
import {
  GENERATOR_FLAGS,
  generatorLoadOf,
  loadOverrides,
  loadStartMinute,
  requestRate,
} from '../lib/http-load.ts';
import { type CpuReading, cpuMsPerRequest, ownCpuMs } from '../lib/process-cpu.ts';

const flags = readFlags([...GENERATOR_FLAGS, 'out']);
const shape = generatorLoadOf(flags);
const target = { kind: 'target', url: stringFlag(flags, 'url'), connections: shape.devices };
const { scenario } = await loadScenario('steady-day', [
  ...loadOverrides(shape),
  `backend=${JSON.stringify(target)}`,
]);

const baseRssKb = peakRssKb();
// Progress comes each wall second in real time: the generator's CPU against its requests, for its cost per request.
const readings: CpuReading[] = [];
const result = await runSimulation(scenario, {
  scenario: 'steady-day',
  seed: stringFlag(flags, 'seed', '1'),
  outDir: stringFlag(flags, 'out'),
  realtime: { speed: shape.speed },
  onProgress: (progress) =>
    readings.push({ atMs: progress.simulatedMs, requests: progress.requests, cpuMs: ownCpuMs() }),
});
const { summary } = result;
const rate = requestRate(result.metrics.timeline, shape.speed, loadStartMinute(shape));
if (rate.requests === 0) throw new Error('the run made no requests');

emitResult({
  wallMs: rate.seconds * 1000,
  baseRssKb,
  counts: {
    connections: shape.devices,
    requests: rate.requests,
    requestsTotal: summary.requests.total,
    requestsOk: summary.requests.ok,
    sales: summary.sales.created,
    synced: summary.sales.synced,
    harnessErrors: summary.harnessErrors,
  },
  figures: {
    requestsPerSecond: rate.perSecond,
    latencyP50: summary.latency.requestMs.p50,
    latencyP99: summary.latency.requestMs.p99,
    generatorCpuMsPerRequest: cpuMsPerRequest(readings, loadStartMinute(shape) * 60_000),
    generatorBusyP99: summary.generator.busyPercent.p99,
    rowsPerRequestP50: summary.batches.rows.p50,
    bytesPerRequestP50: summary.batches.bytes.p50,
  },
});
