import { columnTypes } from "../store/ddl.js";
import type { Migration } from "../store/store.js";

export const LISTENER_COMPONENT = "listener";

export const listenerMigrations: readonly Migration[] = [
  {
    version: 1,
    description: "checkpoints, recent block hashes and handled events per subscription",
    async up(q) {
      const t = columnTypes(q.dialect);
      // Never null: created at (start block - 1, its hash) and only ever moved to another real block.
      await q.run(
        `CREATE TABLE listener_checkpoints (
           chain TEXT NOT NULL,
           subscription TEXT NOT NULL,
           block_number ${t.int} NOT NULL,
           block_hash TEXT NOT NULL,
           updated_at ${t.int} NOT NULL,
           PRIMARY KEY (chain, subscription)
         )`,
      );
      // Hashes of the blocks passed near the head, to find the common ancestor after a reorg.
      await q.run(
        `CREATE TABLE listener_blocks (
           chain TEXT NOT NULL,
           subscription TEXT NOT NULL,
           block_number ${t.int} NOT NULL,
           block_hash TEXT NOT NULL,
           PRIMARY KEY (chain, subscription, block_number)
         )`,
      );
      // Written in the handler's transaction: an event's effect happens once per (block hash, log index).
      // The log itself is kept so `undo` gets it even after the chain dropped it.
      await q.run(
        `CREATE TABLE listener_handled (
           chain TEXT NOT NULL,
           subscription TEXT NOT NULL,
           block_hash TEXT NOT NULL,
           log_index ${t.int} NOT NULL,
           block_number ${t.int} NOT NULL,
           transaction_hash TEXT NOT NULL,
           address TEXT NOT NULL,
           topics TEXT NOT NULL,
           data TEXT NOT NULL,
           handled_at ${t.int} NOT NULL,
           PRIMARY KEY (chain, subscription, block_hash, log_index)
         )`,
      );
      await q.run("CREATE INDEX listener_handled_by_block ON listener_handled (chain, subscription, block_number)");
    },
  },
];
