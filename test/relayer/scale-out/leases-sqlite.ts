import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { SqliteStore } from "../../../relayer/core/store/sqlite-store.js";
import { shouldShareWorkThroughLeases } from "./leases.behavior.js";

describe("Leases on SQLite: two connections to one file in WAL mode, as two instances", function () {
  shouldShareWorkThroughLeases(
    async () => {
      const dir = await mkdtemp(path.join(tmpdir(), "ll-leases-"));
      const file = path.join(dir, "shared.sqlite");
      return { open: () => SqliteStore.open(file), destroy: () => rm(dir, { recursive: true, force: true }) };
    },
    { concurrentConnections: false },
  );
});
