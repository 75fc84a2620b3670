/** `syswall playground`: usage errors and the static server module. */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectCleanError, runCli } from './helpers/cli.js';
import { startStaticServer } from '../src/node/static-server.js';

/** GET with the path sent exactly as given (fetch would normalise `..`). */
function rawGet(url: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { path, method: 'GET' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

const dir = mkdtempSync(join(tmpdir(), 'syswall-static-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('syswall playground (CLI)', () => {
  it('has help with usage and examples', () => {
    const r = runCli(['playground', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: syswall playground');
    expect(r.stdout).toContain('--no-open');
    expect(r.stdout).toContain('Examples:');
  });

  it('rejects bad usage cleanly', () => {
    expect(expectCleanError(runCli(['playground', '--port', 'abc']))).toMatch(/--port: "abc" is not a port number/);
    expect(expectCleanError(runCli(['playground', '--port', '70000']))).toMatch(/not a port number/);
    expect(expectCleanError(runCli(['playground', 'extra']))).toMatch(/unexpected operand/);
    expect(expectCleanError(runCli(['playground', '--bogus']))).toMatch(/playground: /);
    expect(expectCleanError(runCli(['playground', '--dir', join(dir, 'nope'), '--no-open']))).toMatch(/no index\.html/);
  });

  it('fails cleanly (exit 1, hint) when the port is taken', async () => {
    const site = join(dir, 'site');
    mkdirSync(site, { recursive: true });
    writeFileSync(join(site, 'index.html'), '<!DOCTYPE html><title>t</title>');
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = runCli(['playground', '--dir', site, '--port', String(port), '--no-open']);
      expect(expectCleanError(r, 1)).toMatch(/cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/);
      expect(r.stderr).toContain('hint: the port is taken');
    } finally {
      blocker.close();
    }
  });
});

describe('static server', () => {
  it('serves files under its root only, GET and HEAD only', async () => {
    const root = join(dir, 'root');
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!DOCTYPE html><p>hi</p>');
    writeFileSync(join(root, 'assets', 'a.js'), 'console.log(1)');
    writeFileSync(join(dir, 'secret.txt'), 'secret');
    const s = await startStaticServer({ root });
    try {
      expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const index = await fetch(s.url);
      expect(index.status).toBe(200);
      expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(index.headers.get('content-security-policy')).toContain("connect-src 'none'");
      expect(await index.text()).toContain('<p>hi</p>');
      const js = await fetch(s.url + 'assets/a.js?x=1');
      expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect((await fetch(s.url + 'assets/a.js', { method: 'HEAD' })).headers.get('content-length')).toBe('14');
      expect((await fetch(s.url + 'missing.js')).status).toBe(404);
      expect((await fetch(s.url + 'assets/')).status).toBe(404);
      // Dot segments are normalised away by URL parsing (404 inside the root);
      // an encoded slash survives it and is refused after decoding.
      for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/../../secret.txt', '/%2e%2e%2fsecret.txt']) expect(await rawGet(s.url, p), p).not.toBe(200);
      expect(await rawGet(s.url, '/..%2fsecret.txt')).toBe(403);
      expect(await rawGet(s.url, '/assets/..%2f..%2fsecret.txt')).toBe(403);
      expect((await fetch(s.url + '%00')).status).toBe(400);
      expect((await fetch(s.url, { method: 'POST', body: 'x' })).status).toBe(405);
    } finally {
      await s.close();
    }
  });
});
