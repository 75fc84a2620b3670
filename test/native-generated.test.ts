/** The C code's facts come from src/core (issue 13 items 3 and 6): the generated header is up to date. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';
import { ARCHES, BPF_MAXINSNS } from '../src/core/index.js';

describe('native/syswall_generated.h', () => {
  it('is what scripts/gen-native-header.mjs generates from src/core (run it after changing the syscall table)', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'gen-native-header.mjs'), '--check'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });

  it('carries BPF_MAXINSNS and every arch of the matrix (MIPS, PA-RISC, m68k and SuperH included)', () => {
    const h = readFileSync(join(ROOT, 'native', 'syswall_generated.h'), 'utf8');
    expect(h).toContain(`#define SW_BPF_MAXINSNS ${BPF_MAXINSNS}`);
    for (const a of Object.values(ARCHES)) expect(h, a.name).toMatch(new RegExp(`/\\* ${a.name} \\*/$`, 'm'));
    for (const a of ['mips', 'parisc', 'm68k', 'sh']) expect(h).toContain(`/* ${a} */`);
  });

  it('the C code names no errno: no errno-name table or strerrorname_np in native/', () => {
    for (const f of ['helper_exec.c', 'helper_dump.c', 'addon_core.c', 'addon_notify.c']) {
      const c = readFileSync(join(ROOT, 'native', f), 'utf8');
      expect(c, f).not.toMatch(/strerrorname_np|return "E[A-Z]+"/);
    }
  });
});
