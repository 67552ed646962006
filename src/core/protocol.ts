/**
 * The batch-sync wire protocol of the spec (`POST /api/v1/pos/offline/batch-sync`), defined once as JSON
 * Schema (TypeBox) with the static types derived from it. The device core builds requests and reads
 * responses with it; the fake backend validates requests and builds responses with it.
 *
 * Requests are checked strictly against the schema (types, formats, bounds; the fake backend rejects what it
 * rejects), and fields it does not name are ignored, as a backend's request validation ignores them: an app
 * that sends more than the spec's fields can still talk to the fake backend. Responses are read tolerantly:
 * a real backend may omit every optional field, and the client must still make sense of the answer.
 */
import Type from 'typebox';
import { isRecord } from './is-record.ts';

export const DEFAULT_BATCH_SYNC_PATH = '/api/v1/pos/offline/batch-sync';

/** Upper bounds that keep a hostile or buggy body from costing unbounded memory or time. */
export const LIMITS = {
  text: 200,
  identifier: 128,
  itemsPerTransaction: 500,
} as const;

const Identifier = Type.String({ minLength: 1, maxLength: LIMITS.identifier });
const Label = Type.String({ minLength: 1, maxLength: 32 });
const Amount = Type.Number({ minimum: 0, maximum: 1e12 });
const Timestamp = Type.String({ format: 'date-time', maxLength: 40 });
/** An id a database column holds exactly: past 2^53 a JSON number is no longer the id that was sent. */
const Id = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

export const SyncItemSchema = Type.Object({
  product_id: Id,
  product_name: Type.String({ minLength: 1, maxLength: LIMITS.text }),
  quantity: Type.Number({ exclusiveMinimum: 0, maximum: 1e6 }),
  price: Amount,
  subtotal: Amount,
});

export const SyncTransactionSchema = Type.Object({
  offline_id: Type.String({ format: 'uuid', maxLength: 36 }),
  offline_reference: Identifier,
  device_id: Identifier,
  branch_code: Identifier,
  id_user_apps: Id,
  grand_total: Amount,
  subtotal: Amount,
  discount_total: Amount,
  tax_total: Amount,
  status: Label,
  payment_status: Label,
  payment_method: Label,
  created_at_device: Timestamp,
  items: Type.Array(SyncItemSchema, { maxItems: LIMITS.itemsPerTransaction }),
});

export const BatchSyncRequestSchema = Type.Object({
  transactions: Type.Array(SyncTransactionSchema),
  device_id: Identifier,
  synced_at: Timestamp,
});

export const SyncResultSchema = Type.Object({
  offline_id: Type.Optional(Type.String()),
  offline_reference: Type.Optional(Type.String()),
  success: Type.Boolean(),
  duplicate: Type.Optional(Type.Boolean()),
  server_id: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  transaction_code: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  error: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});

export const BatchSyncResponseSchema = Type.Object({
  success: Type.Boolean(),
  data: Type.Object({ results: Type.Array(SyncResultSchema) }),
  message: Type.Optional(Type.String()),
});

/** The body of a non-2xx answer from the fake backend (fastify's error shape plus the field at fault). */
export const ErrorResponseSchema = Type.Object({
  success: Type.Literal(false),
  statusCode: Type.Integer(),
  code: Type.String(),
  error: Type.String(),
  message: Type.String(),
  field: Type.Optional(Type.String()),
});

/** One row the server stored, as the fake backend's admin API lists it (NDJSON, one entry per line). */
export const LedgerEntrySchema = Type.Object({
  server_id: Type.Integer(),
  transaction_code: Type.String(),
  /** Server time of the commit, ISO 8601. */
  received_at: Type.String(),
  ...SyncTransactionSchema.properties,
});

export type SyncItem = Type.Static<typeof SyncItemSchema>;
export type SyncTransaction = Type.Static<typeof SyncTransactionSchema>;
export type BatchSyncRequest = Type.Static<typeof BatchSyncRequestSchema>;
export type SyncResult = Type.Static<typeof SyncResultSchema>;
export type BatchSyncResponse = Type.Static<typeof BatchSyncResponseSchema>;
export type ErrorResponse = Type.Static<typeof ErrorResponseSchema>;
export type LedgerEntry = Type.Static<typeof LedgerEntrySchema>;

/** One result as the client understands it, whatever the backend chose to omit. */
export interface ParsedSyncResult {
  readonly offlineId: string | null;
  readonly offlineReference: string | null;
  readonly success: boolean;
  readonly duplicate: boolean;
  readonly serverId: number | null;
  readonly transactionCode: string | null;
  readonly error: string | null;
}

/** Thrown by parseBatchSyncResponse; the core turns it into a `protocol` transport failure. */
export class ProtocolViolation extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'ProtocolViolation';
  }
}

function optionalString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** server_id may come back as a number or, from backends with BIGINT ids, as a numeric string. */
function optionalServerId(value: unknown): number | null {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value);
  return null;
}

/**
 * A snippet of a body as text a row's last_error and a report can hold: a gzip or binary answer's bytes become
 * U+FFFD, not control characters.
 */
function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters it replaces
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffd]+/g, '\uFFFD');
}

/**
 * Reads a 2xx batch-sync body. Requires only what the spec's client relies on: `data.results` is a list
 * and each result says `success`. Every other field is optional.
 */
export function parseBatchSyncResponse(body: string): ParsedSyncResult[] {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new ProtocolViolation(
      `body is not JSON (${body.length} bytes${body.length === 0 ? '' : `: ${printable(body.slice(0, 60))}`})`,
    );
  }
  if (!isRecord(json)) throw new ProtocolViolation('body is not a JSON object');
  const data = json.data;
  if (!isRecord(data) || !Array.isArray(data.results))
    throw new ProtocolViolation('data.results is missing or not a list');
  return data.results.map((raw: unknown, index: number): ParsedSyncResult => {
    if (!isRecord(raw) || typeof raw.success !== 'boolean') {
      throw new ProtocolViolation(`data.results[${index}].success is missing or not a boolean`);
    }
    return {
      offlineId: optionalString(raw.offline_id),
      offlineReference: optionalString(raw.offline_reference),
      success: raw.success,
      duplicate: raw.duplicate === true,
      serverId: optionalServerId(raw.server_id),
      transactionCode: optionalString(raw.transaction_code),
      error: optionalString(raw.error) ?? optionalString(raw.message),
    };
  });
}
