import { it } from 'vitest';
import { randomPolicy } from "./helpers/random-policy.js";
import { toRefJson, compileWithLibseccomp } from './helpers/libseccomp.js';
import { compilePolicy } from '../src/core/compile/index.js';
it('dbg', () => {
  for (const s of (process.env.SEEDS ?? '').split(',')) {
    const p = randomPolicy(Number(s));
    console.log(toRefJson(p));
    const ref = compileWithLibseccomp([p])[0];
    console.log(ref.program?.map((i, n) => `${n} ${i.code.toString(16)} ${i.jt} ${i.jf} ${i.k.toString(16)}`).join('\n'));
    const ours = compilePolicy(p, { enosys: 'none' });
    console.log('OURS\n' + ours.instructions.map((i, n) => `${n} ${i.code.toString(16)} ${i.jt} ${i.jf} ${i.k.toString(16)}`).join('\n'));
  }
});
