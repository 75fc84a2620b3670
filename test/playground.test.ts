/**
 * The playground in a real browser: Debian's Chromium driven by
 * playwright-core, against the page served by the real `syswall playground`
 * command. Builds web/dist with Vite first, so `npm install && npm test` on a
 * fresh clone needs nothing else. Screenshots go to test-artifacts/playground/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CLI, ROOT } from './helpers/cli.js';

const CHROMIUM = '/usr/bin/chromium';
const WEB = join(ROOT, 'web');
const SHOTS = join(ROOT, 'test-artifacts', 'playground');
const DOCKER = readFileSync(join(ROOT, 'data', 'profiles', 'docker-default.json'), 'utf8');

let server: ChildProcess | undefined;
let serverExit: Promise<number | null> | undefined;
let baseUrl = '';
let context: BrowserContext | undefined;
let userDataDir = '';
const foreignRequests: string[] = [];
const pageErrors: string[] = [];

/** Waits until the page has finished its (debounced) recomputation. */
async function settle(page: Page): Promise<void> {
  await page.waitForFunction(() => document.body.dataset.ready === '1' && document.body.dataset.busy === undefined);
}

async function newPage(): Promise<Page> {
  const page = await context!.newPage();
  page.on('request', (r) => {
    if (!r.url().startsWith(baseUrl) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) foreignRequests.push(r.url());
  });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  return page;
}

/**
 * Replaces a textarea's text. Small texts are typed in with `fill`; large ones
 * (whole profiles) are set as a paste would and announced with an `input`
 * event, because Chromium's editing commands take seconds per 10 kB.
 */
async function setText(page: Page, selector: string, text: string): Promise<void> {
  if (text.length < 2000) {
    await page.fill(selector, text);
  } else {
    await page.$eval(selector, (el, t) => {
      (el as HTMLTextAreaElement).value = t;
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }, text);
  }
}

async function setEditor(page: Page, text: string): Promise<void> {
  await setText(page, '#editor', text);
  await settle(page);
}

async function emulate(page: Page, arch: string, syscall: string, args: string[] = []): Promise<string> {
  await page.selectOption('#emu-arch', arch);
  for (let i = 0; i < 6; i++) await page.fill(`#emu-arg${i}`, args[i] ?? '');
  await page.fill('#emu-syscall', syscall);
  return (await page.textContent('#emu-action')) ?? '';
}

async function shot(page: Page, name: string, fullPage = false): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the playground browser test needs Debian's Chromium. Install it with \`apt-get install chromium\` (.ci/run does).`);
  }
  mkdirSync(SHOTS, { recursive: true });
  // Build the static files the command serves (npm run build:web).
  await build({ root: WEB, configFile: join(WEB, 'vite.config.ts'), logLevel: 'warn' });
  expect(existsSync(join(WEB, 'dist', 'index.html'))).toBe(true);

  // The real command, on a free port.
  server = spawn(process.execPath, [CLI, 'playground', '--port', '0', '--no-open'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  serverExit = new Promise((resolve) => server!.once('exit', (code) => resolve(code)));
  baseUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`syswall playground printed no URL: ${out}${err}`)), 30_000);
    server!.stderr!.on('data', (d) => (err += d));
    server!.stdout!.on('data', (d) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    server!.once('exit', (code) => reject(new Error(`syswall playground exited with ${code}: ${out}${err}`)));
  });

  userDataDir = mkdtempSync(join(tmpdir(), 'syswall-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1600, height: 1000 },
  });
});

afterAll(async () => {
  await context?.close();
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    // The command stops cleanly on SIGTERM with exit code 0.
    expect(await serverExit).toBe(0);
  }
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

describe('syswall playground in Chromium', () => {
  it('loads Docker default, explains it, emulates syscalls and follows edits', async () => {
    const page = await newPage();
    await page.goto(baseUrl);
    await settle(page);
    expect(await page.title()).toBe('syswall playground');

    await page.click('#load-docker');
    await settle(page);
    expect(await page.inputValue('#editor')).toBe(DOCKER);
    expect(await page.textContent('#detected')).toContain('policy');
    // The explain table, per arch, with the ALLOW row naming mkdir.
    const x86 = page.locator('table.explain[data-arch="x86_64"]');
    await x86.waitFor();
    const allowRow = x86.locator('tr', { has: page.locator('td.act', { hasText: /^ALLOW$/ }) });
    expect(await allowRow.locator('td.names').textContent()).toMatch(/\bmkdir\b/);
    const denyRow = x86.locator('tr', { has: page.locator('td.act', { hasText: /^ERRNO\(1\)$/ }) });
    expect(await denyRow.locator('td.names').textContent()).toMatch(/\bmount\b/);
    // Numbers no syscall table names get ENOSYS, so a newer libc falls back (syswall's default).
    expect(await x86.locator('tr', { hasText: '<other syscalls>' }).locator('td.act').textContent()).toBe('ERRNO(38)');
    expect(await page.locator('#disasm > div').count()).toBeGreaterThan(100);
    expect(await page.locator('#graph svg g.node').count()).toBeGreaterThan(10);
    expect(await page.textContent('#lint')).toContain('DANGEROUS_ALLOW');
    expect(await page.textContent('#stats')).toMatch(/x86_64/);
    await shot(page, '01-docker-default', true);

    // Docker's default allows mkdir and denies mount (no CAP_SYS_ADMIN) with EPERM.
    expect(await emulate(page, 'x86_64', 'mkdir')).toBe('ALLOW');
    expect(await emulate(page, 'x86_64', 'mount')).toBe('ERRNO(1)');
    // A syscall given by number, with an argument (socket(AF_INET): allowed; AF_VSOCK=40 is not special-cased).
    expect(await emulate(page, 'x86_64', '41', ['2'])).toBe('ALLOW');

    // Take mkdir out of the allow list: mkdir now gets the default action, ERRNO(1).
    const withoutMkdir = DOCKER.replace(/\s*"mkdir",/, '');
    expect(withoutMkdir).not.toBe(DOCKER);
    await setEditor(page, withoutMkdir);
    expect(await emulate(page, 'x86_64', 'mkdir')).toBe('ERRNO(1)');
    expect(await page.textContent('#emu-detail')).toMatch(/mkdir = 83 on x86_64: \d+ instructions executed/);
    // The executed path is highlighted in the disassembly and in the graph.
    expect(await page.locator('#disasm .hit').count()).toBeGreaterThan(2);
    expect(await page.locator('#disasm .ret').textContent()).toContain('return ERRNO(1)');
    expect(await page.locator('#graph g.hit').count()).toBeGreaterThan(1);
    expect(await page.locator('#graph g.ret').count()).toBe(1);
    await shot(page, '02-mkdir-errno', true);

    // Allow mkdir with a rule of its own: ALLOW.
    const allowMkdir = withoutMkdir.replace('"syscalls": [', '"syscalls": [\n\t\t{ "names": ["mkdir"], "action": "SCMP_ACT_ALLOW" },');
    await setEditor(page, allowMkdir);
    expect(await page.isHidden('#error')).toBe(true);
    expect(await emulate(page, 'x86_64', 'mkdir')).toBe('ALLOW');
    expect(await page.locator('#disasm .ret').textContent()).toContain('return ALLOW');
    // x32 and x86 are in Docker's archMap for x86_64.
    expect(await emulate(page, 'x32', 'mkdir')).toBe('ALLOW');
    expect(await emulate(page, 'x86', 'mkdir')).toBe('ALLOW');
    expect(await emulate(page, 'aarch64', 'read')).toBe('KILL'); // bad arch (Docker's archMap has no aarch64 on an x86_64 host)
    await shot(page, '03-mkdir-allow');
    await page.close();
  });

  it('restores the same state from a shared URL', async () => {
    const page = await newPage();
    await page.goto(baseUrl);
    await settle(page);
    const policy = DOCKER.replace(/\s*"mkdir",/, '');
    await setEditor(page, policy);
    await page.selectOption('#arch', 'x86_64');
    expect(await emulate(page, 'x86_64', 'mkdir', ['0', '0x1ff'])).toBe('ERRNO(1)');
    await setText(page, '#diff-input', DOCKER);
    await page.waitForFunction(() => document.getElementById('diff-result')!.textContent!.includes('difference'));
    await page.click('#share');
    await page.waitForFunction(() => (document.getElementById('share-link') as HTMLInputElement).value.includes('#'));
    const link = await page.inputValue('#share-link');
    expect(link.startsWith(baseUrl + '#z.')).toBe(true); // compressed with CompressionStream
    expect(link.length).toBeLessThan(policy.length); // deflate shrinks the 13 kB profile
    const explainBefore = await page.textContent('#explain');
    const diffBefore = await page.textContent('#diff-result');
    await page.close();

    const again = await newPage();
    await again.goto(link);
    await settle(again);
    expect(await again.inputValue('#editor')).toBe(policy);
    expect(await again.inputValue('#emu-syscall')).toBe('mkdir');
    expect(await again.inputValue('#emu-arch')).toBe('x86_64');
    expect(await again.inputValue('#emu-arg1')).toBe('0x1ff');
    expect(await again.textContent('#emu-action')).toBe('ERRNO(1)');
    expect(await again.textContent('#explain')).toBe(explainBefore);
    expect(await again.textContent('#diff-result')).toBe(diffBefore);
    expect(diffBefore).toMatch(/mkdir/);
    await shot(again, '04-shared-url');
    await again.close();
  });

  it('shows a malformed policy error at its line and keeps working', async () => {
    const page = await newPage();
    await page.goto(baseUrl);
    await settle(page);
    const bad = '{\n  "defaultAction": "SCMP_ACT_ALLOW",\n  "syscalls": [ { "names": ["mkdir"] "action": "SCMP_ACT_ERRNO" } ]\n}\n';
    await setEditor(page, bad);
    expect(await page.isVisible('#error')).toBe(true);
    expect(await page.getAttribute('#error', 'data-line')).toBe('3');
    expect(await page.textContent('#error')).toMatch(/^line 3, column \d+: malformed JSON/);
    expect(await page.textContent('#gutter .err')).toBe('3');
    expect(await page.isVisible('#errline')).toBe(true);
    expect(await page.textContent('#emu-action')).toBe('—');
    await shot(page, '05-malformed');

    // A semantic error (unknown action) is placed at its line too.
    await setEditor(page, '{\n  "defaultAction": "SCMP_ACT_ALLOW",\n  "syscalls": [\n    { "names": ["mkdir"], "action": "SCMP_ACT_NOPE" }\n  ]\n}\n');
    expect(await page.getAttribute('#error', 'data-line')).toBe('4');
    expect(await page.textContent('#error')).toContain('unknown action');

    // Fix it: the page works again.
    await setEditor(page, '{\n  "defaultAction": "SCMP_ACT_ALLOW",\n  "syscalls": [\n    { "names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13 }\n  ]\n}\n');
    expect(await page.isHidden('#error')).toBe(true);
    expect(await page.isHidden('#errline')).toBe(true);
    expect(await page.locator('#gutter .err').count()).toBe(0);
    expect(await emulate(page, 'x86_64', 'mkdir')).toBe('ERRNO(13)');
    expect(await emulate(page, 'x86_64', 'rmdir')).toBe('ALLOW');
    expect(await page.textContent('#explain')).toContain('ERRNO(13)');
    await page.close();
  });

  it('reads assembly and uploaded raw .bpf files, downloads the program, and diffs two inputs', async () => {
    const page = await newPage();
    await page.goto(baseUrl);
    await settle(page);
    const asm = 'A = arch\nA == ARCH_X86_64 ? next : dead\nA = sys_number\nA == mkdir ? deny : ok\nok:\nreturn ALLOW\ndeny:\nreturn ERRNO(2)\ndead:\nreturn KILL\n';
    await setEditor(page, asm);
    expect(await page.textContent('#detected')).toContain('asm');
    expect(await emulate(page, 'x86_64', 'mkdir')).toBe('ERRNO(2)');
    expect(await emulate(page, 'x86_64', 'read')).toBe('ALLOW');

    // An assembly error is shown at its line.
    await setEditor(page, asm.replace('return ERRNO(2)', 'return BOGUS'));
    expect(await page.getAttribute('#error', 'data-line')).toBe('8');

    // Download the raw program, then upload it back as a .bpf file.
    await setEditor(page, asm);
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#dl-bpf')]);
    const bytes = readFileSync((await dl.path())!);
    expect(bytes.length).toBe(8 * (await page.locator('#disasm > div').count()));
    await page.setInputFiles('#upload', { name: 'prog.bpf', mimeType: 'application/octet-stream', buffer: bytes });
    await page.waitForFunction(() => (document.getElementById('mode') as HTMLSelectElement).value === 'hex');
    await settle(page);
    expect(await emulate(page, 'x86_64', 'mkdir')).toBe('ERRNO(2)');

    // Diff: the assembly program against a policy that decides the same except for mkdir.
    await page.fill('#diff-input', '{ "defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [ { "names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1 } ] }');
    await page.waitForFunction(() => document.getElementById('diff-result')!.textContent!.includes('difference'));
    const diffText = await page.textContent('#diff-result');
    expect(diffText).toMatch(/mkdir.*ERRNO\(2\).*ERRNO\(1\)/);
    await page.click('#diff-copy');
    expect(await page.textContent('#diff-result')).toContain('Equivalent');
    await shot(page, '06-asm-bpf-diff');
    await page.close();
  });

  it('made no network request beyond the page itself and raised no page errors', () => {
    expect(foreignRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
