import { readFileSync, watch, type FSWatcher } from "node:fs";

import type { Logger } from "pino";
import { z } from "zod";

import type { Worker } from "../core/kit/service.js";

/** A rate table: corridor label → mid rate (destination units per source unit) as a decimal string. */
export const rateTableSchema = z.strictObject({
  rates: z.record(z.string().min(1), z.string().regex(/^\d{1,30}(\.\d{1,18})?$/)),
});

/**
 * Where mid rates come from: a JSON file, reloaded when it changes or on SIGHUP, and optionally an HTTP
 * feed polled on an interval whose rates override the file's. A bad file or feed answer keeps the last
 * good table (logged), so a half-written file never prices a quote.
 */
export class RateSource implements Worker {
  readonly name = "rate-source";
  private fileRates: Record<string, string> = {};
  private feedRates: Record<string, string> = {};
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly onHup = () => this.reloadFile("SIGHUP");
  /** Bumped on each successful load; tests and logs use it. */
  version = 0;

  constructor(private readonly options: { file: string; feedUrl?: string; feedIntervalMs: number; logger: Logger }) {}

  start(): void {
    this.reloadFile("start");
    // Editors replace files (rename): watch the file and re-arm on every event.
    try {
      this.watcher = watch(this.options.file, () => this.reloadFile("file changed"));
    } catch (error) {
      this.options.logger.warn({ err: error }, "rate file cannot be watched; reload with SIGHUP");
    }
    process.on("SIGHUP", this.onHup);
    if (this.options.feedUrl !== undefined) {
      void this.pollFeed();
      this.timer = setInterval(() => void this.pollFeed(), this.options.feedIntervalMs);
    }
  }

  rate(corridor: string): string | undefined {
    return this.feedRates[corridor] ?? this.fileRates[corridor];
  }

  reloadFile(why: string): void {
    try {
      const table = rateTableSchema.parse(JSON.parse(readFileSync(this.options.file, "utf8")));
      this.fileRates = table.rates;
      this.version++;
      this.options.logger.info({ why, rates: table.rates, version: this.version }, "rate table loaded");
    } catch (error) {
      this.options.logger.error({ why, err: error }, "rate table not loaded; the previous rates stay");
    }
  }

  private async pollFeed(): Promise<void> {
    try {
      const response = await fetch(this.options.feedUrl!, { signal: AbortSignal.timeout(3_000) });
      if (!response.ok) throw new Error(`feed answered ${response.status}`);
      this.feedRates = rateTableSchema.parse(await response.json()).rates;
    } catch (error) {
      // A feed that fails drops its rates: stale market rates must not be quoted firm.
      this.feedRates = {};
      this.options.logger.warn({ err: error }, "rate feed unavailable; file rates only");
    }
  }

  async stop(): Promise<void> {
    this.watcher?.close();
    if (this.timer !== undefined) clearInterval(this.timer);
    process.off("SIGHUP", this.onHup);
  }
}
