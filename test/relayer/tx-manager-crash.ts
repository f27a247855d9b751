import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { Wallet } from "ethers";

import { ChainClient } from "../../relayer/core/chain/chain-client.js";
import { SqliteStore } from "../../relayer/core/store/sqlite-store.js";
import { TxStatus } from "../../relayer/core/tx/types.js";
import { type Anvil, ANVIL_KEYS, startAnvil } from "./helpers/anvil.js";
import { deployToken, minedNonces } from "./helpers/tx-fixtures.js";
import { amountOf, type ChildArgs } from "./helpers/txmanager-child.js";

const TSX = path.resolve("node_modules/.bin/tsx");
const CHILD = path.resolve("test/relayer/helpers/txmanager-child.ts");
const ROUNDS = 24;
const PER_ROUND = 3;

/** A fixed-seed generator: the kill delays are the same on every run (mulberry32). */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("TxManager killed with SIGKILL at random points", function () {
  this.timeout(240_000);

  let anvil: Anvil;
  let dir: string;
  const children = new Set<ChildProcess>();

  before(async function () {
    anvil = await startAnvil({ blockTime: 0.2 });
    dir = await mkdtemp(path.join(tmpdir(), "ll-txm-crash-"));
  });

  after(async function () {
    for (const child of children) child.kill("SIGKILL");
    await anvil.stop();
    await rm(dir, { recursive: true, force: true });
  });

  function run(args: ChildArgs, killAfterMs: number | undefined): Promise<{ code: number | null; out: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(TSX, [CHILD, JSON.stringify(args)], { stdio: ["ignore", "pipe", "pipe"] });
      children.add(child);
      let out = "";
      child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
      child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
      const killer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), killAfterMs);
      // Bounded: a child that neither finishes nor is killed fails the test instead of hanging it.
      const guard = setTimeout(() => child.kill("SIGKILL"), 90_000);
      child.once("error", reject);
      child.once("exit", (code) => {
        clearTimeout(killer);
        clearTimeout(guard);
        children.delete(child);
        resolve({ code, out });
      });
    });
  }

  it("ends every request exactly once, with contiguous nonces, over 24 kill-and-restart rounds", async function () {
    const key = ANVIL_KEYS[1];
    const signer = new Wallet(key).address;
    const recipient = new Wallet(ANVIL_KEYS[2]).address;
    const { token, close } = await deployToken(anvil.url, key);
    try {
      const args = {
        url: anvil.url,
        file: path.join(dir, "tx.sqlite"),
        key,
        token: await token.getAddress(),
        recipient,
      };
      const random = seeded(0x5eed);
      let killed = 0;
      for (let round = 1; round <= ROUNDS; round++) {
        const result = await run({ ...args, upTo: round * PER_ROUND }, 300 + Math.floor(random() * 1200));
        if (result.code === null) killed++;
        else expect(result.out, `round ${round} ended on its own`).to.contain("DONE");
      }
      const total = ROUNDS * PER_ROUND;
      const last = await run({ ...args, upTo: total }, undefined);
      expect(last.out).to.contain("DONE");
      // A round the child finishes before its kill lands still proves exactly-once, but the spec must
      // kill often enough to mean something: how many land depends on the machine's speed (20 to 24 of
      // 24 on a quiet machine, 15 once beside another run), so the floor is a third, not most.
      expect(killed, "a third or more of the rounds are cut short by SIGKILL").to.be.greaterThanOrEqual(8);

      const store = await SqliteStore.open(args.file);
      try {
        const rows = await store.read((q) =>
          q.all<{ idempotency_key: string; status: string; mined_hash: string | null }>(
            "SELECT idempotency_key, status, mined_hash FROM tx_requests WHERE tenant = 'crash'",
          ),
        );
        expect(rows).to.have.length(total);
        expect(rows.every((r) => r.status === TxStatus.Confirmed && r.mined_hash !== null)).to.equal(true);
      } finally {
        await store.close();
      }

      const chain = new ChainClient({ urls: [anvil.url] });
      const nonces = await minedNonces(chain, signer);
      expect(nonces).to.deep.equal(Array.from({ length: nonces.length }, (_, i) => i));
      let expected = 0n;
      for (let i = 0; i < total; i++) expected += amountOf(i);
      expect(await token.balanceOf(recipient), "each mint took effect exactly once").to.equal(expected);
      expect(await token.totalSupply()).to.equal(expected);
    } finally {
      close();
    }
  });
});
