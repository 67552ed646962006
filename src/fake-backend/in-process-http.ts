/**
 * One HTTP exchange with a fastify app and no socket: `exchange(app.routing, request)` makes the request and
 * response objects Node's HTTP server would hand to the app's request handler, and resolves with what a client
 * would have received: an answer, or a reset when the app destroyed the response first.
 *
 * This is what fastify.inject (light-my-request) does, minus what a load generator cannot afford. Each of its
 * responses defines per-instance accessors and stores fresh closures on the answer (`cookies`, `json`,
 * `stream`, the request's `connection`), and V8 gave those objects hidden classes of their own in the old
 * generation, where they kept the whole exchange alive until the next full GC: ~8 KB promoted a request,
 * most of a virtual-time run's promotions (bench/PROFILING.md, twelfth session).
 *
 * Its timing is light-my-request's, turn for turn, so that runs replay as before: the body arrives in a
 * setImmediate after the app starts reading; the socket completes writes in a setImmediate; 'finish' is
 * emitted as end() returns and the answer follows in a nextTick; a destroyed response closes in a nextTick.
 */
import { EventEmitter } from 'node:events';
import { type IncomingHttpHeaders, type IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Readable, Writable } from 'node:stream';

export interface ExchangeRequest {
  readonly method: string;
  /** Path and query, as on the request line. */
  readonly url: string;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** A complete answer. */
export interface ExchangeAnswer {
  readonly kind: 'answer';
  readonly status: number;
  /** Lower-case names, as the app set them (not the Date and Connection lines Node adds). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export type Exchange =
  | ExchangeAnswer
  /** The response was destroyed before it ended: whatever part of the body was written is dropped. */
  | { readonly kind: 'reset' };

/** An app's request handler, as `FastifyInstance['routing']` is one. */
export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** Sends one request through `handler`; resolves with the answer or the reset, never rejects. */
export function exchange(handler: RequestHandler, request: ExchangeRequest): Promise<Exchange> {
  return new Promise((resolve) => {
    // Node's types ask for an IncomingMessage; fastify and ServerResponse read only what this one has
    // (method, url, headers, httpVersion*, socket, the body as a stream).
    const raw = new InProcessRequest(request) as unknown as IncomingMessage;
    handler(raw, new InProcessResponse(raw, resolve));
  });
}

/** What fastify reads of a request's socket: the peer's address (request.ip) and whether it is TLS. */
class InProcessSocket extends EventEmitter {
  readonly remoteAddress = '127.0.0.1';
  readonly encrypted = false;
}

class InProcessRequest extends Readable {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders = { host: 'localhost:80' };
  readonly rawHeaders: string[] = [];
  readonly httpVersion = '1.1';
  readonly httpVersionMajor = 1;
  readonly httpVersionMinor = 1;
  readonly socket = new InProcessSocket();
  private body: Buffer | null;

  constructor(request: ExchangeRequest) {
    // Not destroyed after 'end': a server's request stays open until its response is done.
    super({ autoDestroy: false });
    this.method = request.method;
    this.url = request.url;
    this.body = Buffer.from(request.body, 'utf8');
    const headers = this.headers;
    for (const name of Object.keys(request.headers)) headers[name] = request.headers[name];
    headers['content-length'] = String(this.body.length);
    for (const name of Object.keys(headers)) this.rawHeaders.push(name, String(headers[name]));
  }

  override _read(): void {
    const body = this.body;
    if (body === null) return;
    this.body = null;
    setImmediate(pushBody, this, body);
  }
}

function pushBody(request: InProcessRequest, body: Buffer): void {
  if (body.length > 0) request.push(body);
  request.push(null);
}

/** A socket that takes every write and completes it in the next setImmediate, as an idle network would. */
function nullSocket(): Socket {
  const socket = new Writable({
    write(_chunk, _encoding, callback) {
      setImmediate(callback);
    },
  });
  // Node's types ask for a net.Socket; a response only writes to its socket and listens for 'close' on it.
  return socket as unknown as Socket;
}

type Settle = (exchange: Exchange) => void;
type WriteCallback = (error: Error | null | undefined) => void;

function isCallback(value: unknown): value is () => void {
  return typeof value === 'function';
}

class InProcessResponse extends ServerResponse {
  private readonly chunks: (string | Buffer)[] = [];
  private settle: Settle | null;

  constructor(request: IncomingMessage, settle: Settle) {
    super(request);
    this.settle = settle;
    // Node keeps the headers writeHead() is given only once setHeader() has been called (documented), and
    // getHeaders() is how the answer learns them.
    this.setHeader('x-in-process', '1');
    this.removeHeader('x-in-process');
    this.assignSocket(nullSocket());
    this.once('finish', answer);
    this.once('close', reset);
    this.once('error', reset);
  }

  override write(
    chunk: unknown,
    encoding?: BufferEncoding | WriteCallback,
    callback?: WriteCallback,
  ): boolean {
    const written =
      typeof encoding === 'function'
        ? super.write(chunk, encoding)
        : super.write(chunk, encoding ?? 'utf8', callback);
    if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) this.chunks.push(chunk);
    return written;
  }

  /** As light-my-request's: 'finish' as soon as the response is ended, then closed. */
  override end(...args: unknown[]): this {
    const [chunk, encoding] = args;
    if (chunk && !isCallback(chunk))
      this.write(chunk, typeof encoding === 'string' && Buffer.isEncoding(encoding) ? encoding : undefined);
    super.end(args.find(isCallback));
    this.emit('finish');
    this.destroy();
    return this;
  }

  /** Closes in a nextTick without touching the socket; a close before the end is the client's reset. */
  override destroy(error?: Error): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    if (error !== undefined) process.nextTick(emitError, this, error);
    process.nextTick(emitClose, this);
    return this;
  }

  /** Settles once, a nextTick later: the first of 'finish' (an answer) and 'close' or 'error' (a reset). */
  settleWith(exchange: Exchange): void {
    const settle = this.settle;
    if (settle === null) return;
    this.settle = null;
    process.nextTick(settle, exchange);
  }

  body(): string {
    const chunks = this.chunks;
    const only = chunks.length === 1 ? chunks[0] : undefined;
    if (typeof only === 'string') return only;
    return Buffer.concat(
      chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk)),
    ).toString('utf8');
  }
}

function answer(this: InProcessResponse): void {
  this.settleWith({ kind: 'answer', status: this.statusCode, headers: flatHeaders(this), body: this.body() });
}

function reset(this: InProcessResponse): void {
  this.settleWith({ kind: 'reset' });
}

function emitError(response: InProcessResponse, error: Error): void {
  response.emit('error', error);
}

function emitClose(response: InProcessResponse): void {
  response.emit('close');
}

function flatHeaders(response: ServerResponse): Record<string, string> {
  const flat: Record<string, string> = {};
  const headers = response.getHeaders();
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return flat;
}
