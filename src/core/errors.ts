/**
 * Every error a user or a peer can cause is defined once, with a stable code, in the errors file of its
 * layer (core, fake-backend, sim, scenarios, cli), the way fastify defines FST_ERR_*. This file holds the
 * base class and the factory; the codes themselves live next to the layer that throws them.
 */

/** What went wrong, in the terms the CLI maps to exit codes and the backend to HTTP statuses. */
export type ErrorKind =
  /** A bad flag or argument. */
  | 'usage'
  /** A bad scenario, option or file content. */
  | 'config'
  /** Something outside the process is missing or unreachable (a target URL, a database). */
  | 'unavailable'
  /** A peer broke the contract (malformed response, unexpected schema). */
  | 'protocol'
  /** A bug in syncsim itself. */
  | 'internal';

export class SyncsimError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  /** The values the error was thrown with (the field, the reference...), for callers that act on them. */
  readonly args: readonly unknown[];

  constructor(
    code: string,
    kind: ErrorKind,
    message: string,
    options?: ErrorOptions,
    args: readonly unknown[] = [],
  ) {
    super(message, options);
    this.name = 'SyncsimError';
    this.code = code;
    this.kind = kind;
    this.args = args;
  }
}

export type SyncsimErrorClass<A extends unknown[]> = new (...args: [...A, ErrorOptions?]) => SyncsimError;

/**
 * Defines an error class with a fixed code and kind and a message built from the arguments it is
 * thrown with, so that the message always names the field or value at fault.
 */
export function defineError<A extends unknown[]>(
  code: string,
  kind: ErrorKind,
  format: (...args: A) => string,
): SyncsimErrorClass<A> {
  const arity = format.length;
  const ErrorClass = class extends SyncsimError {
    constructor(...args: [...A, ErrorOptions?]) {
      const options = args.length > arity ? (args[arity] as ErrorOptions | undefined) : undefined;
      const values = args.slice(0, arity) as A;
      super(code, kind, format(...values), options, values);
    }
  };
  Object.defineProperty(ErrorClass, 'name', { value: code });
  return ErrorClass;
}

export function isSyncsimError(error: unknown): error is SyncsimError {
  return error instanceof SyncsimError;
}

/**
 * The message of a JSON.parse failure on one line: V8 quotes the text it choked on, newlines included, and
 * an error the CLI prints is one line.
 */
export function jsonErrorOf(error: unknown): string {
  return messageOf(error).replace(/\s*[\r\n]+\s*/g, ' ');
}

/**
 * Whether an error is the machine's storage failing under SQLite or the file system (a full disk, a quota, a
 * read-only or failing device), not a bug and not the design under test: the caller stops instead of counting.
 */
export function isStorageFailure(error: unknown): boolean {
  const code = codeOf(error);
  return (
    code === 'SQLITE_FULL' ||
    code.startsWith('SQLITE_IOERR') ||
    code === 'ENOSPC' ||
    code === 'EDQUOT' ||
    code === 'EROFS' ||
    code === 'EIO'
  );
}

/** The `code` of anything thrown (SQLite's, Node's, a driver's), or '' when it has none. */
export function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** The message of anything thrown, for logs and row-level `last_error` columns. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// Errors of the device core.

export const ERR_DEVICE_DB_OPEN = defineError(
  'SYNCSIM_ERR_DEVICE_DB_OPEN',
  'unavailable',
  (path: string, reason: string) => `cannot open device database ${path}: ${reason}`,
);
export const ERR_DEVICE_DB_VERSION = defineError(
  'SYNCSIM_ERR_DEVICE_DB_VERSION',
  'config',
  (path: string, found: number, supported: number) =>
    `device database ${path} has schema version ${found}; this syncsim supports up to ${supported}`,
);
export const ERR_REFERENCE_COLLISION = defineError(
  'SYNCSIM_ERR_REFERENCE_COLLISION',
  'config',
  (reference: string) => `offline_reference ${reference} is already used by another sale on this device`,
);
export const ERR_INVALID_SALE = defineError(
  'SYNCSIM_ERR_INVALID_SALE',
  'config',
  (field: string, problem: string) => `invalid sale: ${field} ${problem}`,
);
export const ERR_DEVICE_DB_DISPOSED = defineError(
  'SYNCSIM_ERR_DEVICE_DB_DISPOSED',
  'internal',
  (path: string) => `device database ${path} was disposed (its device crashed or shut down)`,
);
