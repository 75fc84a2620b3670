/**
 * The page's side of the worker: requests by type, latest wins. A request
 * of the same type as the one running cancels it for real (the worker is
 * terminated and a fresh one started: a long compile cannot be interrupted
 * otherwise); a request of another type waits for the running one, and a
 * waiting request is replaced by a newer one of its type. Cancelled requests
 * reject with {@link Cancelled}, which callers ignore.
 */
import type { RequestType, Requests, Results, WorkerRequest, WorkerResponse } from './protocol.js';

/** The rejection of a request made stale by a newer one. */
export class Cancelled extends Error {
  constructor() {
    super('cancelled by a newer request');
  }
}

interface Job {
  id: number;
  type: RequestType;
  payload: unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/** One worker and its queue. */
export class WorkerChannel {
  private worker: Worker;
  private running: Job | undefined;
  private readonly waiting: Job[] = [];
  private nextId = 1;
  /** Called when the channel goes idle or busy. */
  onBusy: (busy: boolean) => void = () => {};

  constructor(private readonly spawn: () => Worker) {
    this.worker = this.start();
  }

  private start(): Worker {
    const w = this.spawn();
    w.onmessage = (ev: MessageEvent<WorkerResponse>) => this.settle(ev.data);
    w.onerror = (ev) => {
      ev.preventDefault();
      const job = this.running;
      if (!job) return;
      this.running = undefined;
      job.reject(new Error(ev.message || 'the worker failed'));
      this.restart();
      this.pump();
    };
    return w;
  }

  private restart(): void {
    this.worker.terminate();
    this.worker = this.start();
  }

  get busy(): boolean {
    return this.running !== undefined || this.waiting.length > 0;
  }

  /** Sends a request; resolves with its result, or rejects with {@link Cancelled} when a newer one replaces it. */
  request<T extends RequestType>(type: T, payload: Requests[T]): Promise<Results[T]> {
    return new Promise<Results[T]>((resolve, reject) => {
      const job: Job = { id: this.nextId++, type, payload, resolve: resolve as (v: unknown) => void, reject };
      const i = this.waiting.findIndex((j) => j.type === type);
      if (i >= 0) this.waiting.splice(i, 1)[0].reject(new Cancelled());
      if (this.running && this.running.type === type) {
        this.running.reject(new Cancelled());
        this.running = undefined;
        this.restart();
      }
      this.waiting.push(job);
      this.pump();
    });
  }

  private pump(): void {
    if (!this.running && this.waiting.length) {
      const job = this.waiting.shift()!;
      this.running = job;
      this.worker.postMessage({ id: job.id, type: job.type, ...(job.payload as object) } as WorkerRequest);
    }
    this.onBusy(this.busy);
  }

  private settle(msg: WorkerResponse): void {
    const job = this.running;
    if (!job || job.id !== msg.id) return;
    this.running = undefined;
    if (msg.ok) job.resolve(msg.result);
    else job.reject(new Error(msg.message));
    this.pump();
  }
}
