import { Worker as Thread } from "node:worker_threads";

import { computeAddress } from "ethers";

import type { Worker } from "../core/kit/service.js";

interface Pending {
  resolve(signature: string): void;
  reject(error: Error): void;
}

/**
 * A pool of signing threads (`sign-worker.ts`), round robin. The key is handed to each thread once, in
 * memory; it is never logged nor written anywhere.
 */
export class SignerPool implements Worker {
  readonly name = "signer-pool";
  private readonly threads: Thread[] = [];
  private readonly pending = new Map<number, Pending>();
  private next = 0;
  private counter = 0;
  /** The key's address: every signature a thread returns must recover to it. */
  readonly address: string;

  constructor(privateKey: string, size: number) {
    this.address = computeAddress(privateKey);
    for (let i = 0; i < size; i++) {
      // The service runs under `node --import tsx`; worker threads inherit execArgv and load the .ts file.
      const thread = new Thread(new URL("./sign-worker.ts", import.meta.url), { workerData: { privateKey } });
      thread.on("message", (message: { id: number; signature?: string; signer?: string; error?: string }) => {
        const waiter = this.pending.get(message.id);
        if (waiter === undefined) return;
        this.pending.delete(message.id);
        if (message.signature === undefined) waiter.reject(new Error(message.error ?? "signing failed"));
        else if (message.signer !== this.address)
          waiter.reject(new Error("the signing pool produced a foreign signature"));
        else waiter.resolve(message.signature);
      });
      thread.on("error", (error) => {
        for (const [id, waiter] of this.pending) {
          this.pending.delete(id);
          waiter.reject(error);
        }
      });
      this.threads.push(thread);
    }
  }

  /** Signs a 32-byte digest; resolves to the 65-byte signature, checked to recover to the pool's key. */
  sign(digest: string): Promise<string> {
    const id = ++this.counter;
    const thread = this.threads[this.next++ % this.threads.length]!;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      thread.postMessage({ id, digest });
    });
  }

  async stop(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.terminate()));
  }
}
