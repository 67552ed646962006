/**
 * exchange(): one request through a fastify app's own request handler without a socket, answered as a client
 * would see it: status, the app's headers and body, or a reset when the app destroys the response first.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { type Exchange, type ExchangeRequest, exchange } from '../../src/fake-backend/in-process-http.ts';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

async function appWith(setup: (app: FastifyInstance) => void): Promise<FastifyInstance> {
  const app = Fastify();
  apps.push(app);
  setup(app);
  await app.ready();
  return app;
}

function post(url: string, body: string, headers: Record<string, string> = {}): ExchangeRequest {
  return { method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, body };
}

describe('exchange', () => {
  it('hands the app the method, url, headers and body, and answers with its status, headers and body', async () => {
    const app = await appWith((a) => {
      a.post('/echo', async (request, reply) => {
        reply.code(201).header('x-seen', String(request.headers['x-token']));
        return {
          body: request.body,
          length: request.headers['content-length'],
          host: request.headers.host,
          ip: request.ip,
          query: request.query,
        };
      });
    });
    const body = JSON.stringify({ text: 'kopi süsu ☕' });
    const answer = await exchange(app.routing, post('/echo?page=2', body, { 'x-token': 'abc' }));
    expect(answer).toMatchObject({ kind: 'answer', status: 201 });
    if (answer.kind !== 'answer') return;
    expect(answer.headers['x-seen']).toBe('abc');
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.headers.date).toBeUndefined();
    expect(JSON.parse(answer.body)).toEqual({
      body: { text: 'kopi süsu ☕' },
      length: String(Buffer.byteLength(body, 'utf8')),
      host: 'localhost:80',
      ip: '127.0.0.1',
      query: { page: '2' },
    });
  });

  it("answers with the app's own errors: a 415, a 400 for bad JSON, a 404", async () => {
    const app = await appWith((a) => {
      a.post('/x', async () => ({ ok: true }));
    });
    const text = await exchange(app.routing, post('/x', '<a/>', { 'content-type': 'application/xml' }));
    expect(text).toMatchObject({ kind: 'answer', status: 415 });
    const broken = await exchange(app.routing, post('/x', '{"a":'));
    expect(broken).toMatchObject({ kind: 'answer', status: 400 });
    const missing = await exchange(app.routing, post('/nowhere', '{}'));
    expect(missing).toMatchObject({ kind: 'answer', status: 404 });
  });

  it('delivers a body larger than a stream buffer intact', async () => {
    const app = await appWith((a) => {
      a.post('/size', { bodyLimit: 4 * 1024 * 1024 }, async (request) => {
        const rows = (request.body as { rows: string[] }).rows;
        return { count: rows.length, last: rows.at(-1) };
      });
    });
    const rows = Array.from({ length: 5000 }, (_, i) => `row-${i}-${'x'.repeat(40)}`);
    const answer = await exchange(app.routing, post('/size', JSON.stringify({ rows })));
    expect(answer.kind === 'answer' && JSON.parse(answer.body)).toEqual({ count: 5000, last: rows[4999] });
  });

  it('is a reset when the app destroys the response without answering', async () => {
    const app = await appWith((a) => {
      a.post('/drop', async (_request, reply) => {
        reply.hijack();
        reply.raw.destroy();
      });
    });
    expect(await exchange(app.routing, post('/drop', '{}'))).toEqual({ kind: 'reset' });
  });

  it('is a reset after headers and part of the body: the partial body is dropped', async () => {
    const app = await appWith((a) => {
      a.post('/cut', async (_request, reply) => {
        reply.hijack();
        reply.raw.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        reply.raw.write('{"partial":', 'utf8', () => reply.raw.destroy());
      });
    });
    expect(await exchange(app.routing, post('/cut', '{}'))).toEqual({ kind: 'reset' });
  });

  it('keeps concurrent exchanges apart, each answered in the order the app finishes them', async () => {
    const app = await appWith((a) => {
      a.post('/wait', async (request) => {
        const { id, turns } = request.body as { id: number; turns: number };
        for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
        return { id };
      });
    });
    const order: number[] = [];
    const answers = await Promise.all(
      [3, 0, 2, 1].map(async (turns, id) => {
        const answer: Exchange = await exchange(app.routing, post('/wait', JSON.stringify({ id, turns })));
        order.push(id);
        return answer.kind === 'answer' ? JSON.parse(answer.body).id : null;
      }),
    );
    expect(answers).toEqual([0, 1, 2, 3]);
    expect(order).toEqual([1, 3, 2, 0]);
  });
});
