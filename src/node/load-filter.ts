/**
 * Loads a seccomp filter into the calling Node process itself.
 *
 * WARNING: this is IRREVERSIBLE. Once loaded, the filter applies to this
 * process for the rest of its life, to every thread (with `tsync`, the
 * default: the main thread, worker_threads, the libuv pool and V8's threads)
 * and to every child it starts. no_new_privs is set too (also irreversible).
 * A filter that denies something Node needs (mmap, futex, epoll_wait,
 * clone3 for new workers, ...) breaks or kills the process. Test a filter
 * with `spawn` in a child first.
 */
import { SECCOMP_FILTER_FLAG_NEW_LISTENER, SECCOMP_FILTER_FLAG_TSYNC } from '../core/bpf/constants.js';
import { seccompLoad } from './native.js';
import { programForHost, type PolicyInput } from './policy-source.js';
import { toProgramBytes } from './spawn.js';

/** Options of {@link loadFilter}. */
export interface LoadFilterOptions {
  /** Synchronise the filter to every thread of the process (SECCOMP_FILTER_FLAG_TSYNC). Default true. */
  tsync?: boolean;
  /** Extra SECCOMP_FILTER_FLAG_* bits (LOG, SPEC_ALLOW, ...). */
  flags?: number;
  /** Set no_new_privs first (default true); false needs CAP_SYS_ADMIN. */
  noNewPrivs?: boolean;
  /** Create a user-notification listener (SECCOMP_FILTER_FLAG_NEW_LISTENER) and return its fd. */
  listener?: boolean;
}

/** What {@link loadFilter} returns. */
export interface LoadFilterResult {
  /** The listener fd, with `listener: true`. */
  listenerFd?: number;
}

/**
 * Locks down the calling Node process with a seccomp filter, IRREVERSIBLY.
 * `program` is a compiled program or any policy form `spawn({ policy })`
 * takes (compiled for this host)
 * (see the module comment). Throws a {@link NativeError} with the errno name
 * as `code` when the kernel refuses (EINVAL: invalid program or flags;
 * EACCES: no_new_privs off without CAP_SYS_ADMIN; ESRCH: a thread could not
 * be synchronised).
 *
 * @example
 * loadFilter(program);            // all threads, no_new_privs set
 * fs.mkdirSync('/tmp/x');         // now fails as the program decides
 */
export function loadFilter(program: PolicyInput, options: LoadFilterOptions = {}): LoadFilterResult {
  const h = programForHost(program);
  const bytes = toProgramBytes(h.program);
  let flags = ((options.flags ?? 0) | h.flags) >>> 0;
  if (options.tsync !== false) flags |= SECCOMP_FILTER_FLAG_TSYNC;
  const listener = options.listener === true || (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) !== 0;
  if (listener) flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  const rc = seccompLoad(bytes, flags, (options.noNewPrivs ?? h.noNewPrivs) !== false);
  return listener ? { listenerFd: rc } : {};
}
