/**
 * Benchmark 3, syncsim's side: a realtime run against a backend URL (`syncsim serve` in another process),
 * with every device selling faster than its requests can go, so each device always has rows to send and
 * keeps its one connection busy (hardened: single-flight, one request in flight per device).
 *
 *   node bin/run-typescript.js bench/child/http-syncsim.ts --url http://127.0.0.1:PORT --devices 32 --seconds 10 \
 *     --rate 200 --out DIR
 *
 * The scenario is steady-day with the overrides of lib/http-load.ts. Requests per second are counted over
 * the fault phase only, from its first to its last progress report: start-up (opening device files) and
 * the end (reading the rows back) are not load.
 */
import { loadScenario } from '../../src/scenarios/loader.ts';
import { runSimulation } from '../../src/sim/runner.ts';
import { numberFlag, readFlags, stringFlag } from '../lib/child-args.ts';
import { emitResult, peakRssKb } from '../lib/child-result.ts';
import { HTTP_SPEED, loadOverrides } from '../lib/http-load.ts';

interface Window {
  startMs: number;
  startRequests: number;
  endMs: number;
  endRequests: number;
}

const flags = readFlags(['url', 'devices', 'seconds', 'rate', 'seed', 'out']);
const devices = numberFlag(flags, 'devices');
const target = { kind: 'target', url: stringFlag(flags, 'url'), connections: devices };
const { scenario } = await loadScenario('steady-day', [
  ...loadOverrides({ devices, seconds: numberFlag(flags, 'seconds'), rate: numberFlag(flags, 'rate') }),
  `backend=${JSON.stringify(target)}`,
]);

const window: Window = { startMs: 0, startRequests: 0, endMs: 0, endRequests: 0 };
let started = false;
const baseRssKb = peakRssKb();
const result = await runSimulation(scenario, {
  scenario: 'steady-day',
  seed: stringFlag(flags, 'seed', '1'),
  outDir: stringFlag(flags, 'out'),
  realtime: { speed: HTTP_SPEED },
  onProgress: (progress) => {
    const now = performance.now();
    if (progress.phase === 'fault' && !started) {
      started = true;
      window.startMs = now;
      window.startRequests = progress.requests;
    }
    if (started && (progress.phase === 'fault' || progress.phase === 'check')) {
      window.endMs = now;
      window.endRequests = progress.requests;
    }
  },
});
if (!started) throw new Error('the run never reported its fault phase');
const { summary } = result;
const wallMs = window.endMs - window.startMs;
const requests = window.endRequests - window.startRequests;

emitResult({
  wallMs,
  baseRssKb,
  counts: {
    connections: devices,
    requests,
    requestsTotal: summary.requests.total,
    requestsOk: summary.requests.ok,
    sales: summary.sales.created,
    harnessErrors: summary.harnessErrors,
  },
  figures: {
    requestsPerSecond: requests / (wallMs / 1000),
    latencyP50: summary.latency.requestMs.p50,
    latencyP99: summary.latency.requestMs.p99,
    rowsPerRequestP50: summary.batches.rows.p50,
    bytesPerRequestP50: summary.batches.bytes.p50,
  },
});
