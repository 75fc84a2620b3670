import type { Command } from '../command.js';
import { flag, stringOpt, UsageError } from '../command.js';
import { SyswallError } from '../../core/errors.js';
import { startStaticServer } from '../../node/static-server.js';
import { PACKAGE_ROOT } from '../../node/native.js';
import { println } from '../io.js';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The package's web/ folder (this file is dist/cli/commands/playground.js). */
// From the package root: this module may run from the CLI bundle (dist/bin), not dist/cli/commands.
const WEB_DIR = join(PACKAGE_ROOT, 'web');

async function buildWeb(out: NodeJS.WritableStream): Promise<void> {
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch {
    throw new SyswallError('PLAYGROUND_NOT_BUILT', `the playground is not built (${join(WEB_DIR, 'dist')} is missing) and Vite is not installed to build it`, {
      kind: 'runtime',
      hint: 'in a syswall checkout run `npm install && npm run build:web`',
    });
  }
  out.write('syswall playground: web/dist is missing; building it (npm run build:web) ...\n');
  try {
    await vite.build({ root: WEB_DIR, configFile: join(WEB_DIR, 'vite.config.ts'), logLevel: 'warn' });
  } catch (e) {
    throw new SyswallError('PLAYGROUND_BUILD_FAILED', `building the playground failed: ${(e as Error).message.split('\n')[0]}`, { kind: 'runtime', cause: e, hint: 'run `npm run build:web` to see the whole error' });
  }
}

function openBrowser(url: string, err: NodeJS.WritableStream): void {
  try {
    const child = spawn('xdg-open', [url], { stdio: 'ignore', detached: true });
    child.on('error', () => err.write(`syswall playground: could not open a browser; open ${url} yourself\n`));
    child.unref();
  } catch {
    err.write(`syswall playground: could not open a browser; open ${url} yourself\n`);
  }
}

export const command: Command = {
  name: 'playground',
  summary: 'serve the web playground (policy editor, analysis, emulator, diff) on localhost',
  usage: `Usage: syswall playground [--port N] [--host ADDR] [--no-open] [--dir DIR]

Serves the syswall playground, a static web app that runs syswall's core in
the browser: edit a policy (OCI/Docker/syswall JSON), seccomp-tools assembly
or a raw .bpf file and see the compiled program, the explain table, lint
findings, the control-flow graph and statistics; emulate a syscall; diff two
inputs; share the state as a link. The page makes no network requests.

The files come from web/dist (\`npm run build:web\`); if it is missing in a
checkout with Vite installed, it is built first. Stop with Ctrl-C.

Options:
  -p, --port N      port to listen on (default 8080; 0 picks a free port)
      --host ADDR   address to bind (default 127.0.0.1)
      --no-open     do not open a browser
      --dir DIR     serve another build of the playground
  -h, --help        show this help

Examples:
  syswall playground
  syswall playground --port 0 --no-open`,
  options: {
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
    'no-open': { type: 'boolean' },
    dir: { type: 'string' },
  },
  async run(ctx) {
    if (ctx.positionals.length) throw new UsageError(`playground: unexpected operand "${ctx.positionals[0]}"`, 'see `syswall playground --help`');
    const portText = stringOpt(ctx, 'port') ?? '8080';
    if (!/^\d+$/.test(portText) || Number(portText) > 65535) {
      throw new UsageError(`playground: --port: "${portText}" is not a port number (0-65535)`, 'use e.g. --port 8080, or --port 0 for any free port');
    }
    const host = stringOpt(ctx, 'host') ?? '127.0.0.1';
    const dirOpt = stringOpt(ctx, 'dir');
    const root = dirOpt !== undefined ? resolve(dirOpt) : join(WEB_DIR, 'dist');
    if (!existsSync(join(root, 'index.html'))) {
      if (dirOpt !== undefined) throw new UsageError(`playground: --dir ${dirOpt}: no index.html there`, 'point --dir at a build of the playground (npm run build:web writes web/dist)');
      await buildWeb(ctx.stderr);
    }
    const server = await startStaticServer({ root, host, port: Number(portText) });
    println(ctx.stdout, `syswall playground: serving ${root} at ${server.url} (Ctrl-C to stop)`);
    if (!flag(ctx, 'no-open')) openBrowser(server.url, ctx.stderr);
    return new Promise<number>((done) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void server.close().then(() => done(0));
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  },
};
