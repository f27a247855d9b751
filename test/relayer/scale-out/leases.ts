import { newTestDatabase, STORE_KINDS } from "../helpers/stores.js";
import { shouldShareWorkThroughLeases } from "./leases.behavior.js";

for (const kind of STORE_KINDS) {
  describe(`Leases shared by two instances on one ${kind === "sqlite" ? "SQLite file (WAL)" : "PostgreSQL database"}`, function () {
    this.timeout(60_000);
    // SQLite: two connections of one process cannot hold transactions at once (see the behaviour).
    shouldShareWorkThroughLeases(() => newTestDatabase(kind, "leases"), { concurrentConnections: kind === "postgres" });
  });
}
