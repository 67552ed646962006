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

  constructor(code: string, kind: ErrorKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SyncsimError';
    this.code = code;
    this.kind = kind;
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
      super(code, kind, format(...(args.slice(0, arity) as A)), options);
    }
  };
  Object.defineProperty(ErrorClass, 'name', { value: code });
  return ErrorClass;
}

export function isSyncsimError(error: unknown): error is SyncsimError {
  return error instanceof SyncsimError;
}

/** The message of anything thrown, for logs and row-level `last_error` columns. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
