import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../../src/core/protocol.ts';
import { type Backend, buildBackend } from '../../../src/fake-backend/app.ts';
import {
  LEDGER_PATH,
  openAdminHttpLedgerSource,
  PROBE_AFTER,
} from '../../../src/sim/ledger/admin-http-source.ts';
import { collectLedger } from '../../../src/sim/ledger/ledger-source.ts';
import { parseLedgerSpec } from '../../../src/sim/ledger/ledger-spec.ts';
import { openLedgerSource } from '../../../src/sim/ledger/open-ledger-source.ts';
import { ledgerRowFromEntry } from '../checker-fixtures.ts';
import { caught, FIXED_CLOCK, makeSale, makeSales } from './fixtures.ts';

const DEVICES = ['DEV-A', 'DEV-B', 'DEV-C'];
/** More than two of the server's 1000-row pages. */
const PER_DEVICE = 850;

async function listen(backend: Backend): Promise<string> {
  return backend.app.listen({ host: '127.0.0.1', port: 0 });
}

async function loopbackBackend(options: {
  admin: boolean;
  token?: string;
}): Promise<{ backend: Backend; url: string }> {
  const backend = await buildBackend({ storage: { file: ':memory:' }, ...options }, { clock: FIXED_CLOCK });
  return { backend, url: await listen(backend) };
}

/** A port nobody listens on: bound by us, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

type Handler = (request: IncomingMessage, response: ServerResponse, url: URL) => void;

/** A scripted admin API: the probe (after = PROBE_AFTER) gets an empty answer, the rest goes to `handler`. */
async function scriptedServer(
  handler: Handler,
): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    if (url.searchParams.get('after') === String(PROBE_AFTER)) {
      response.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8' }).end();
      return;
    }
    requests.push(`${url.pathname}${url.search}`);
    handler(request, response, url);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function entry(serverId: number): LedgerEntry {
  const sale = makeSale('DEV-S', serverId);
  return {
    server_id: serverId,
    transaction_code: `TRX-${serverId}`,
    received_at: '2025-01-01T00:00:00.000Z',
    ...sale,
  };
}

describe('admin-http source against the fake backend on loopback', () => {
  let backend: Backend;
  let url: string;
  let expected: ReturnType<typeof ledgerRowFromEntry>[];

  beforeAll(async () => {
    ({ backend, url } = await loopbackBackend({ admin: true }));
    await backend.ledger.commitBatch(makeSales(DEVICES, PER_DEVICE));
    expected = [...backend.ledger.entries()].map(ledgerRowFromEntry);
  });
  afterAll(() => backend.close());

  it('reads every row, across the server pages, exactly as the backend holds them', async () => {
    expect(expected).toHaveLength(DEVICES.length * PER_DEVICE);
    const source = await openLedgerSource(parseLedgerSpec(`${url}/`));
    try {
      expect(source.description).toBe(`${url} (admin API)`);
      expect(await collectLedger(source)).toEqual(expected);
      expect(source.warnings()).toEqual([]);
    } finally {
      await source.close();
    }
  });

  it('filters by device, device by device or in one read for a large filter, with the same rows', async () => {
    const wanted = new Set(['DEV-C', 'DEV-A', 'DEV-Z']);
    const inScope = expected.filter((row) => wanted.has(row.deviceId ?? ''));
    expect(inScope).toHaveLength(2 * PER_DEVICE);
    const perDevice = await openAdminHttpLedgerSource({ url });
    const oneRead = await openAdminHttpLedgerSource({ url, perDeviceLimit: 1 });
    try {
      const rows = [];
      for await (const row of perDevice.read({ deviceIds: wanted })) rows.push(row);
      // Device by device: DEV-A's rows, then DEV-C's; collectLedger puts them in server order.
      expect(rows.map((row) => row.deviceId)).toEqual([
        ...Array(PER_DEVICE).fill('DEV-A'),
        ...Array(PER_DEVICE).fill('DEV-C'),
      ]);
      expect(await collectLedger(perDevice, { deviceIds: wanted })).toEqual(inScope);
      expect(await collectLedger(oneRead, { deviceIds: wanted })).toEqual(inScope);
      expect(await collectLedger(perDevice, { deviceIds: new Set() })).toEqual([]);
    } finally {
      await perDevice.close();
      await oneRead.close();
    }
  });

  it('stops a read left early and one in progress when closed', async () => {
    const source = await openAdminHttpLedgerSource({ url });
    let count = 0;
    for await (const _row of source.read()) if (++count === 5) break;
    const running = source.read()[Symbol.asyncIterator]();
    expect((await running.next()).value).toMatchObject({ serverId: 1 });
    await source.close();
    const error = await caught(async () => {
      for (;;) if ((await running.next()).done) return;
    });
    expect(error.code).toBe('SYNCSIM_ERR_LEDGER_CLOSED');
  });
});

describe('admin-http source: what it says when it cannot read', () => {
  it('404: no admin API there, and what to check (serve --admin, a base URL)', async () => {
    const { backend, url } = await loopbackBackend({ admin: false });
    try {
      const error = await caught(() => openAdminHttpLedgerSource({ url }));
      expect(error.code).toBe('SYNCSIM_ERR_LEDGER_ADMIN_DISABLED');
      expect(error.kind).toBe('unavailable');
      expect(error.message).toBe(
        `${url}${LEDGER_PATH} answered 404: no fake backend admin API there (is it syncsim serve --admin, and is --ledger its base URL, without a path?)`,
      );
    } finally {
      await backend.close();
    }
  });

  it('401: asks for the token, or says it was refused; never shows it', async () => {
    const { backend, url } = await loopbackBackend({ admin: true, token: 'tok-Secret-123' });
    try {
      await backend.ledger.commitBatch(makeSales(['DEV-A'], 3));
      const missing = await caught(() => openAdminHttpLedgerSource({ url }));
      expect(missing.code).toBe('SYNCSIM_ERR_LEDGER_ACCESS');
      expect(missing.message).toContain("answered 401: it needs the backend's bearer token");
      const wrong = await caught(() => openAdminHttpLedgerSource({ url, token: 'nope' }));
      expect(wrong.message).toContain('it refused the bearer token given');
      const source = await openLedgerSource(parseLedgerSpec(url), { token: 'tok-Secret-123' });
      expect(await collectLedger(source)).toHaveLength(3);
      expect(source.description).not.toContain('tok-');
      await source.close();
    } finally {
      await backend.close();
    }
  });

  it('an unreachable port fails at once as unavailable', async () => {
    const port = await closedPort();
    const started = performance.now();
    const error = await caught(() => openLedgerSource(parseLedgerSpec(`http://127.0.0.1:${port}`)));
    expect(error.code).toBe('SYNCSIM_ERR_LEDGER_UNAVAILABLE');
    expect(error.kind).toBe('unavailable');
    expect(error.message).toBe(
      `ledger source http://127.0.0.1:${port} is unavailable: connection refused (is syncsim serve --admin running there?)`,
    );
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('a server that never answers fails after the headers timeout, not undici 300 s', async () => {
    const server = await scriptedServer(() => {
      // Never answers.
    });
    try {
      const source = await openAdminHttpLedgerSource({ url: server.url, headersTimeoutMs: 300 });
      const error = await caught(() => collectLedger(source));
      expect(error.code).toBe('SYNCSIM_ERR_LEDGER_UNAVAILABLE');
      expect(error.message).toContain('no answer within 300 ms');
      await source.close();
    } finally {
      await server.close();
    }
  });

  it('a malformed line or a non-NDJSON answer is a protocol error naming the line', async () => {
    const server = await scriptedServer((_request, response, url) => {
      if (url.searchParams.get('device_id') === 'html') {
        response.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>');
        return;
      }
      response.writeHead(200, { 'content-type': 'application/x-ndjson' });
      response.end(`${JSON.stringify(entry(1))}\n{"server_id": 2, oops\n`);
    });
    try {
      const source = await openAdminHttpLedgerSource({ url: server.url });
      const error = await caught(() => collectLedger(source));
      expect(error.code).toBe('SYNCSIM_ERR_LEDGER_ROW');
      expect(error.kind).toBe('protocol');
      expect(error.message).toContain(`line 2 of GET ${LEDGER_PATH} is not JSON`);
      const html = await caught(() => collectLedger(source, { deviceIds: new Set(['html']) }));
      expect(html.message).toContain('answered content-type "text/html", not application/x-ndjson');
      await source.close();
    } finally {
      await server.close();
    }
  });
});

describe('admin-http source: a server that is not the admin API', () => {
  it('a 200 that is not NDJSON at the probe is a protocol error, not a crash', async () => {
    // Any web server that answers every path (an app, a proxy) does this; its body is never read.
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-length': '2' }).end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const error = await caught(() => openAdminHttpLedgerSource({ url: `http://127.0.0.1:${port}` }));
      expect(error.code).toBe('SYNCSIM_ERR_LEDGER_ROW');
      expect(error.message).toContain('answered content-type "", not application/x-ndjson');
      // The discarded body must not fail later, as an unhandled 'error' event would.
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('admin-http source: an answer that breaks off', () => {
  it('resumes after the last row received, so nothing is lost or repeated', async () => {
    const rows = Array.from({ length: 9 }, (_, i) => entry(i + 1));
    let breaks = 2;
    const server = await scriptedServer((_request, response, url) => {
      const after = Number(url.searchParams.get('after') ?? 0);
      const rest = rows.filter((row) => row.server_id > after);
      response.writeHead(200, { 'content-type': 'application/x-ndjson' });
      if (breaks > 0) {
        breaks -= 1;
        // Three whole lines and half of the fourth, then the connection dies.
        const text = rest.map((row) => `${JSON.stringify(row)}\n`).join('');
        const cut = text.split('\n').slice(0, 3).join('\n').length + 20;
        response.write(text.slice(0, cut), () => response.socket?.destroy());
        return;
      }
      response.end(rest.map((row) => `${JSON.stringify(row)}\n`).join(''));
    });
    try {
      const source = await openAdminHttpLedgerSource({ url: server.url });
      const read = await collectLedger(source);
      expect(read.map((row) => row.serverId)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(read[4]).toEqual(ledgerRowFromEntry(rows[4]!));
      expect(server.requests).toEqual([LEDGER_PATH, `${LEDGER_PATH}?after=3`, `${LEDGER_PATH}?after=6`]);
      await source.close();
    } finally {
      await server.close();
    }
  });

  it('gives up after its resumes, saying where it broke off', async () => {
    const server = await scriptedServer((_request, response, url) => {
      const after = Number(url.searchParams.get('after') ?? 0);
      response.writeHead(200, { 'content-type': 'application/x-ndjson' });
      response.write(`${JSON.stringify(entry(after + 1))}\n{"server_id"`, () => response.socket?.destroy());
    });
    try {
      const source = await openAdminHttpLedgerSource({ url: server.url, resumes: 1 });
      const error = await caught(() => collectLedger(source));
      expect(error.code).toBe('SYNCSIM_ERR_LEDGER_UNAVAILABLE');
      expect(error.message).toContain('the answer broke off after server_id 2 (1 resumes)');
      expect(server.requests).toHaveLength(2);
      await source.close();
    } finally {
      await server.close();
    }
  });
});
