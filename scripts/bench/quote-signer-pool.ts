import { createRequire } from "node:module";
import type { EventLoopUtilization } from "node:perf_hooks";
import { Worker } from "node:worker_threads";

import type { Wallet } from "ethers";

import {
  quoteDigest,
  quoteHasher,
  recoverQuoteSigner,
  signQuote,
  type Quote,
  type SignedQuote,
} from "../../client/eip712/quote.js";
import { priceQuote, type CorridorSetup } from "../../fixtures/corridor.js";

/** What a quote is priced for. */
export interface QuoteRequest {
  sendingTenant: string;
  clientRef: string;
  sourceAmount: bigint;
  /** Unix seconds, chain time. */
  expiry: bigint;
}

/**
 * The signing threads. Plain JavaScript evaluated as a worker, so it needs no TypeScript loader; it loads
 * ethers from this project and signs the digests it is sent with the quote key, in order.
 */
const SIGNER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { SigningKey } = require("node:module").createRequire(workerData.resolveFrom)("ethers");
const key = new SigningKey(workerData.privateKey);
parentPort.on("message", ({ id, digests }) => {
  parentPort.postMessage({ id, signatures: digests.map((digest) => key.sign(digest).serialized) });
});
`;

/** Quotes priced and hashed, waiting for their signatures. */
export interface PricedQuotes {
  requests: QuoteRequest[];
  quotes: Quote[];
  digests: string[];
}

interface Pending {
  resolve: (signatures: string[]) => void;
  reject: (error: unknown) => void;
}

/**
 * The settlement bank's quote signing, as the bench drives it: prices firm quotes in the corridor
 * (`priceQuote`), hashes them with the client's `quoteHasher`, and signs the digests with the quote key in
 * worker threads. The relayer's process only prices and hashes; the elliptic-curve signatures, the costly
 * part at hundreds of quotes a second, run concurrently on the other CPUs.
 *
 * Why this stays in the bench rather than using `signQuote` directly: the bench measures the chain and
 * the relayers' sending side at full load, and one `signTypedData` per quote on the relayer's own thread
 * would make the signing the bottleneck it measures (a production quote service is a separate process on
 * its own CPUs). The thread pool is the bench's stand-in for that process, nothing more; the digest and
 * signature it produces are checked against `quoteDigest`/`signQuote` before every run (`check()`).
 */
export class QuoteSignerPool {
  readonly address: string;
  readonly threads: number;
  readonly #setup: CorridorSetup;
  readonly #workers: Worker[];
  readonly #pending = new Map<number, Pending>();
  readonly #digest: (quote: Quote) => string;
  #nextId = 0;
  #nextWorker = 0;

  constructor(key: Wallet, setup: CorridorSetup, threads: number) {
    this.address = key.address;
    this.threads = threads;
    this.#setup = setup;
    this.#digest = quoteHasher(setup.domain);
    const resolveFrom = createRequire(import.meta.url).resolve("ethers");
    this.#workers = Array.from({ length: threads }, () => {
      const worker = new Worker(SIGNER_SOURCE, { eval: true, workerData: { privateKey: key.privateKey, resolveFrom } });
      worker.unref(); // never what keeps the process alive, even if a failure skips `close`
      worker.on("message", ({ id, signatures }: { id: number; signatures: string[] }) => {
        this.#pending.get(id)?.resolve(signatures);
        this.#pending.delete(id);
      });
      worker.on("error", (error) => {
        for (const pending of this.#pending.values()) pending.reject(error);
        this.#pending.clear();
      });
      return worker;
    });
  }

  /** The EIP-712 digest of a quote, as `quoteDigest` computes it. */
  digest(quote: Quote): string {
    return this.#digest(quote);
  }

  /** Prices each request and hashes the quote: the service's work before signing, on the caller's thread. */
  price(requests: QuoteRequest[]): PricedQuotes {
    const quotes = requests.map((request) => priceQuote(this.#setup, request));
    return { requests, quotes, digests: quotes.map((quote) => this.digest(quote)) };
  }

  /** Signs priced quotes with the quote key, spread over the signing threads. */
  async sign(priced: PricedQuotes): Promise<SignedQuote[]> {
    const { requests, quotes, digests } = priced;
    const share = Math.ceil(digests.length / this.threads);
    const parts: Array<Promise<string[]>> = [];
    for (let from = 0; from < digests.length; from += share) parts.push(this.#sign(digests.slice(from, from + share)));
    const signatures = (await Promise.all(parts)).flat();
    return quotes.map((quote, i) => ({
      domain: this.#setup.domain,
      quote,
      clientRef: requests[i]!.clientRef,
      signature: signatures[i]!,
      signer: this.address,
    }));
  }

  /** Firm quotes for each request, signed by the quote key. */
  quote(requests: QuoteRequest[]): Promise<SignedQuote[]> {
    return this.sign(this.price(requests));
  }

  /** The signing threads' event-loop utilization so far; `busyShare` turns two of these into a share. */
  utilization(): EventLoopUtilization[] {
    return this.#workers.map((worker) => worker.performance.eventLoopUtilization());
  }

  /** Fails unless the service's digest and signature are those of `quoteDigest` and `signQuote`. */
  async check(request: QuoteRequest, key: Wallet): Promise<void> {
    const [fast] = await this.quote([request]);
    const reference = await signQuote(key, this.#setup.domain, fast!.quote, request.clientRef);
    if (
      this.digest(fast!.quote) !== quoteDigest(this.#setup.domain, fast!.quote) ||
      fast!.signature !== reference.signature ||
      recoverQuoteSigner(fast!) !== key.address
    ) {
      throw new Error("the quote signer pool signs something else than signQuote");
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
  }

  #sign(digests: string[]): Promise<string[]> {
    const id = this.#nextId++;
    const worker = this.#workers[this.#nextWorker++ % this.#workers.length]!;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ id, digests });
    });
  }
}
