/**
 * syswall's Node runtime (the `syswall/node` entry): run commands under a
 * filter, lock down this process, and the native wrappers. The core (BPF
 * model, syscall tables) is the package's main entry.
 */
export { hostArch, hostKernelVersion } from './host.js';
export { NativeError, SandboxError, type SandboxStage } from './errors.js';
export { spawn, toProgramBytes, type SpawnOptions, type SandboxedProcess, type RunResult, type ProgramSource, type StdioEntry } from './spawn.js';
export { loadFilter, type LoadFilterOptions, type LoadFilterResult } from './load-filter.js';
export { helperPath, nativeDirs, actionAvail, filterFlagsSupported, notifSizes, recvFd, recvFdAsync, socketpair, type NotifSizes } from './native.js';
export * from './dump.js';
export * from './status.js';
export { supervise, SupervisorError, type Decision, type SyscallEvent, type SuperviseOptions, type Supervisor, type SupervisorStats } from './supervisor.js';
export { ProcessMemory, structLayoutOffsets, type StructLayout, type StructFieldType, type StructValue } from './memory.js';
export { programForHost, loadProfile, applyOverrides, builtinProfilePath, BUILTIN_PROFILES, denyActionOf, expandSyscallList, type PolicyInput, type PolicyBuilderLike, type HostProgram, type LoadedProfile, type LoadProfileOptions } from './policy-source.js';
export { startStaticServer, PLAYGROUND_CSP, type StaticServer, type StaticServerOptions } from './static-server.js';
export { explainSession, type ExplainSession, type ExplainOptions, type ExplainedCall } from './explain.js';
export * from './record.js';
export { startAgent, formatAgentEvent, jsonAgentEvent, type Agent, type AgentOptions, type AgentEvent, type AgentStats, type ContainerRef, type PeerRef } from './agent.js';
export { agentProfile, decodeAgentMetadata, encodeAgentMetadata, RECORD_KEPT, type AgentMode, type AgentRuntime, type AgentProfile, type AgentProfileOptions, type AgentMetadata } from './agent-profile.js';
