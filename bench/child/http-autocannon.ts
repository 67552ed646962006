/**
 * Benchmark 3, autocannon's side: the same backend, the same number of connections, the same wall duration,
 * and the same kind of batch bodies syncsim sends: built by the core's toWireTransaction from real sales of
 * the workload generator, with as many rows per body as syncsim's requests carried on average (--rows may be
 * fractional: the rotated bodies then hold floor(rows) or floor(rows) + 1 rows, in the right proportion).
 * Each request gets fresh offline ids and references (autocannon's setupRequest), so the server stores every
 * row as it does for syncsim, instead of answering the cheaper `duplicate: true`. Every row of every body is a
 * sale of its own, so the bodies are as big on average as the workload's (200 sales rotated made rows 3% smaller).
 * With --idle, the load starts that many seconds after the child does, as syncsim's drain starts after its
 * offline hours: the server has then been idle as long under both (lib/http-load.ts, idleSecondsBefore).
 *
 *   node bin/run-typescript.js bench/child/http-autocannon.ts --url http://127.0.0.1:PORT --connections 32 \
 *     --seconds 10 --rows 1.5 --idle 18 --out DIR
 */
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon, { type AutocannonRequest } from 'autocannon';
import { DEFAULT_BATCH_SYNC_PATH } from '../../src/core/protocol.ts';
import { withIdentity } from '../../src/sim/workload.ts';
import { numberFlag, readFlags, stringFlag } from '../lib/child-args.ts';
import { emitResult, peakRssKb } from '../lib/child-result.ts';
import { ownCpuMs } from '../lib/process-cpu.ts';
import { BENCH_EPOCH_MS, batchBody, counterUuid, saleDrafts, wireRow } from '../lib/sales.ts';

const flags = readFlags(['url', 'connections', 'seconds', 'rows', 'bodies', 'idle', 'seed', 'out']);
const url = stringFlag(flags, 'url');
const connections = numberFlag(flags, 'connections');
const seconds = numberFlag(flags, 'seconds');
const meanRows = Math.max(1, numberFlag(flags, 'rows'));
const templates = Math.max(1, numberFlag(flags, 'bodies', 16));
/** Bodies with one row more than floor(meanRows), so the rotation averages meanRows. */
const bigger = Math.round((meanRows - Math.floor(meanRows)) * templates);
const rowsOf = (template: number): number => Math.floor(meanRows) + (template < bigger ? 1 : 0);
const idleSeconds = numberFlag(flags, 'idle', 0);
const seed = stringFlag(flags, 'seed', '1');
/** Rows a template may hold: each takes sales of its own from the drafts. */
const rowsPerTemplate = Math.floor(meanRows) + 1;

/** A body with markers where the per-request ids go, split so that filling it in is one join. */
interface Template {
  readonly rows: number;
  /** Text, then a marker, then text...: odd indices are markers. */
  readonly parts: readonly string[];
  readonly markers: readonly { readonly kind: 'ID' | 'SEQ'; readonly row: number }[];
}

const MARKER = /@@(ID|SEQ)(\d+)@@/;

function makeTemplate(index: number, drafts: Awaited<ReturnType<typeof saleDrafts>>): Template {
  const deviceId = `POS-${String(index).padStart(4, '0')}`;
  const rows = rowsOf(index);
  const wire = Array.from({ length: rows }, (_, row) => {
    const createdAtDevice = BENCH_EPOCH_MS + index * 1000 + row;
    const sale = withIdentity(drafts[index * rowsPerTemplate + row]!, {
      deviceId,
      branchCode: 'BRN-001',
    });
    return wireRow(sale, {
      offlineId: `@@ID${row}@@`,
      offlineReference: `${deviceId}-${createdAtDevice}-@@SEQ${row}@@`,
      createdAtDevice,
    });
  });
  const split = batchBody(wire, deviceId, BENCH_EPOCH_MS).split(new RegExp(MARKER.source, 'g'));
  // split with two capture groups gives [text, kind, row, text, kind, row, ..., text].
  const parts: string[] = [];
  const markers: { kind: 'ID' | 'SEQ'; row: number }[] = [];
  for (let i = 0; i < split.length; i += 3) {
    parts.push(split[i]!);
    if (i + 2 < split.length)
      markers.push({ kind: split[i + 1] === 'ID' ? 'ID' : 'SEQ', row: Number(split[i + 2]) });
  }
  return { rows, parts, markers };
}

const drafts = await saleDrafts(seed, templates * rowsPerTemplate);
const bodies = Array.from({ length: templates }, (_, index) => makeTemplate(index, drafts));

let sent = 0;
let nextId = 0;
let rowsSent = 0;
/** The next body: the next template, with ids no earlier request used. */
function nextBody(): string {
  const template = bodies[sent % bodies.length]!;
  const first = nextId;
  nextId += template.rows;
  rowsSent += template.rows;
  sent++;
  let text = template.parts[0]!;
  template.markers.forEach((marker, i) => {
    const n = first + marker.row;
    text += (marker.kind === 'ID' ? counterUuid(n) : String(n)) + template.parts[i + 1]!;
  });
  return text;
}

await sleep(idleSeconds * 1000);
const baseRssKb = peakRssKb();
const cpuBefore = ownCpuMs();
const start = performance.now();
const result = await autocannon({
  url: `${url}${DEFAULT_BATCH_SYNC_PATH}`,
  connections,
  duration: seconds,
  timeout: 15,
  method: 'POST',
  headers: { 'content-type': 'application/json', accept: 'application/json' },
  requests: [
    {
      setupRequest: (request: AutocannonRequest): AutocannonRequest => ({ ...request, body: nextBody() }),
    },
  ],
});
const wallMs = performance.now() - start;
const cpuMs = ownCpuMs() - cpuBefore;

emitResult({
  wallMs,
  baseRssKb,
  counts: {
    connections,
    requests: result.requests.total,
    requests2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    bodiesBuilt: sent,
  },
  figures: {
    rowsPerRequest: rowsSent / Math.max(1, sent),
    requestsPerSecond: result.requests.total / result.duration,
    durationSeconds: result.duration,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    generatorCpuMsPerRequest: result.requests.total > 0 ? cpuMs / result.requests.total : null,
  },
});
