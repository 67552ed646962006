/**
 * summary.json: the Summary, pretty-printed with a stable key order, so two runs of one seed give files that
 * differ only in `wallSeconds`, and a summary read back and written again is byte-identical whatever order
 * its keys arrived in (a merged summary, a hand-edited one).
 */
import { VIOLATION_KINDS } from '../sim/checker-types.ts';
import type { Summary } from '../sim/summary.ts';

/** A key order: names in order, or a name with the order of its object value. Keys not listed follow, sorted. */
type KeyOrder = readonly (string | readonly [string, KeyOrder])[];

const PERCENTILES: KeyOrder = ['count', 'p50', 'p90', 'p99', 'max'];
/** Records keyed by data (HTTP statuses, policy switches): sorted, numbers numerically. */
const SORTED: KeyOrder = [];

const SUMMARY_KEYS = [
  'version',
  'scenario',
  'seed',
  'policy',
  'policyOverrides',
  'mode',
  'devices',
  'shard',
  'backend',
  'wallSeconds',
  'simulatedSeconds',
  'interrupted',
  'heal',
  'sales',
  'requests',
  'latency',
  'batches',
  'generator',
  'server',
  'crashes',
  'invariants',
  'harnessErrors',
  'thresholds',
  'passed',
  'replay',
] as const satisfies readonly (keyof Summary)[];
// A field added to Summary but not listed here still comes out, after these, in sorted order.

const NESTED: Readonly<Partial<Record<(typeof SUMMARY_KEYS)[number], KeyOrder>>> = {
  policyOverrides: SORTED,
  shard: ['index', 'count'],
  heal: ['ran', 'converged', 'seconds'],
  sales: ['created', 'synced', 'pending', 'syncing', 'failed', 'notRecorded', 'whileDown'],
  requests: [
    'total',
    'ok',
    'errorRate',
    ['byStatus', SORTED],
    'timeouts',
    'resets',
    'protocolErrors',
    'offlineSkips',
  ],
  latency: [
    ['requestMs', PERCENTILES],
    ['timeToSyncMs', PERCENTILES],
    ['timeToSyncOnlineMs', PERCENTILES],
    ['timeToSyncOfflineMs', PERCENTILES],
  ],
  batches: [
    ['rows', PERCENTILES],
    ['bytes', PERCENTILES],
  ],
  generator: [
    ['lagMs', PERCENTILES],
    ['busyPercent', PERCENTILES],
  ],
  server: ['duplicatesReported', 'rowsRejected', 'ledgerRows'],
  invariants: ['checked', ...VIOLATION_KINDS, 'matchedBy'],
  thresholds: ['expression', 'ok', 'actual', 'error'],
  // The scenario as run keeps the order the CLI wrote it in.
  replay: ['scenario', 'seed', ['shard', ['index', 'count']], ['realtime', ['speed']], 'workers'],
};

const SUMMARY_ORDER: KeyOrder = SUMMARY_KEYS.map((key) => {
  const nested = NESTED[key];
  return nested === undefined ? key : ([key, nested] as const);
});

function compareKeys(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (a !== '' && b !== '' && Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A copy of `value` with object keys in `order`; arrays keep their order, each element ordered the same way. */
function ordered(value: unknown, order: KeyOrder): unknown {
  if (Array.isArray(value)) return value.map((item) => ordered(item, order));
  if (value === null || typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const listed = new Set<string>();
  for (const entry of order) {
    const [key, nested] = typeof entry === 'string' ? [entry, null] : entry;
    listed.add(key);
    if (!Object.hasOwn(source, key)) continue;
    out[key] = nested === null ? source[key] : ordered(source[key], nested);
  }
  for (const key of Object.keys(source)
    .filter((k) => !listed.has(k))
    .sort(compareKeys)) {
    out[key] = ordered(source[key], []);
  }
  return out;
}

export function renderSummaryJson(summary: Summary): string {
  return `${JSON.stringify(ordered(summary, SUMMARY_ORDER), null, 2)}\n`;
}
