/** A sale's trace as lines of text, for reports and the terminal. Pure. */
import type { BatchTrace, SaleEvent, SaleTrace } from './trace.ts';

/** Virtual ms since the run's origin as `+h:mm:ss.mmm`. */
export function formatOffset(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  const abs = Math.abs(Math.round(ms));
  const hours = Math.floor(abs / 3_600_000);
  const minutes = Math.floor((abs % 3_600_000) / 60_000);
  const seconds = Math.floor((abs % 60_000) / 1000);
  const millis = abs % 1000;
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  return `${sign}${hours}:${pad(minutes, 2)}:${pad(seconds, 2)}.${pad(millis, 3)}`;
}

export function describeBatchOutcome(batch: BatchTrace): string {
  if (batch.endedAtMs === null) return 'no outcome (still in flight, or the device crashed)';
  const after = `after ${Math.round(batch.endedAtMs - batch.sentAtMs)} ms`;
  switch (batch.failure) {
    case null:
    case 'http':
      return `HTTP ${batch.status} ${after}`;
    case 'offline':
      return 'offline: not sent';
    case 'timeout':
      return `timeout (${batch.detail ?? 'unknown phase'}) ${after}`;
    case 'reset':
      return `connection reset (${batch.detail ?? ''}) ${after}`;
    case 'protocol':
      return `invalid answer (${batch.detail ?? ''}) ${after}`;
  }
}

function rowsText(rows: number): string {
  return rows === 1 ? '1 row' : `${rows} rows`;
}

function describeEvent(event: SaleEvent): string {
  switch (event.type) {
    case 'claimed':
      return `claimed for sync (${rowsText(event.rows)})`;
    case 'released':
      return `put back to pending (${event.reason})`;
    case 'crash':
      return `device crashed (${event.point})`;
    case 'attempt': {
      const { batch, result } = event;
      const split = batch.split ? `, split into ${batch.split[0]} + ${batch.split[1]}` : '';
      const row =
        result === null
          ? batch.failure === null && batch.endedAtMs !== null
            ? '; the answer did not mention this sale'
            : ''
          : `; ${result.status}${result.duplicate ? ' (server said duplicate)' : ''}` +
            `${result.serverId === null ? '' : `, server id ${result.serverId}`}` +
            `${result.error ? `, error: ${result.error}` : ''}`;
      return `sent in batch #${batch.batchId} (${rowsText(batch.rows)}, ${batch.bytes} bytes): ${describeBatchOutcome(batch)}${split}${row}`;
    }
  }
}

/** A device's clock reading as ISO 8601, or as epoch ms when no date can show it: a report never throws. */
function deviceTime(epochMs: number): string {
  const date = new Date(epochMs);
  return Number.isNaN(date.getTime()) ? `${epochMs} ms since 1970` : date.toISOString();
}

export function describeTrace(trace: SaleTrace, originMs = 0): string[] {
  const lines = [
    `${formatOffset(trace.createdAtMs - originMs)} created on ${trace.deviceId} ` +
      `(device clock ${deviceTime(trace.createdAtDevice)}), ${trace.createdOnline ? 'online' : 'offline'}, ` +
      `reference ${trace.offlineReference}, offline id ${trace.offlineId}`,
  ];
  for (const event of trace.events) {
    lines.push(`${formatOffset(event.atMs - originMs)} ${describeEvent(event)}`);
  }
  lines.push(
    trace.syncedAtMs === null
      ? 'never marked synced'
      : `${formatOffset(trace.syncedAtMs - originMs)} marked synced, ${Math.round(trace.syncedAtMs - trace.createdAtMs)} ms after creation`,
  );
  return lines;
}
