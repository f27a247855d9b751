import { expect } from "chai";
import { writeFile } from "node:fs/promises";
import path from "node:path";

import { Wallet, getAddress } from "ethers";

import { priceDestination } from "../../../client/quote-file.js";
import { buildInitiateParams, recordsFromReceipt } from "../../../client/remittance.js";
import { recoverQuoteSigner, type SignedQuote } from "../../../client/eip712/quote.js";
import { API_KEYS_COMPONENT, apiKeyMigrations, createApiKey } from "../../../relayer/core/kit/api-keys.js";
import { SqliteStore } from "../../../relayer/core/store/sqlite-store.js";
import { MID_RATE, SPREAD_BPS } from "../../../fixtures/corridor.js";
import { spawnService, type ServiceProcess } from "../helpers/service-process.js";
import { startRemittanceNode, type RemittanceNode } from "../helpers/remittance-node.js";
import { call, codeOf, tempDir } from "../wallet/helpers.js";

interface QuoteAnswer {
  id: string;
  clientRef: string;
  sellAmount: string;
  buyAmount: string;
  fee: { total: string };
  corridorId: string;
  sendingOperator: string;
  receivingOperator: string;
  expiresAt: number;
  latestDeadline: number;
  signature: string;
  signer: string;
  state: string;
}

const HKD = (n: number) => BigInt(Math.round(n * 100));
const PHP_LIQUIDITY = 400_000_00n; // 400,000.00 PHP: one 40,000 HKD quote (~289,000 PHP) fits, two do not.

/** Polls `check` every 200 ms until it holds, at most `ms`. */
async function eventually(check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`condition not met in ${ms} ms`);
}

describe("Quote service (a process, on anvil with the platform deployed)", function () {
  this.timeout(120_000);
  let node: RemittanceNode;
  let temp: { dir: string; remove(): Promise<void> };
  let quotes: ServiceProcess;
  let url: string;
  let hkKey: string;
  let phKey: string;
  let ratesFile: string;
  let storePath: string;

  const countQuotes = async () => {
    const store = await SqliteStore.open(storePath);
    try {
      return await store.read(async (q) => (await q.get<{ n: number }>("SELECT COUNT(*) AS n FROM quotes"))!.n);
    } finally {
      await store.close();
    }
  };

  before(async function () {
    node = await startRemittanceNode({ liquidity: PHP_LIQUIDITY });
    temp = await tempDir("ll-quotes-");
    storePath = path.join(temp.dir, "quotes.sqlite");
    ratesFile = path.join(temp.dir, "rates.json");
    await writeFile(ratesFile, JSON.stringify({ rates: { "HKD-PHP": MID_RATE } }));
    const store = await SqliteStore.open(storePath);
    await store.migrate(API_KEYS_COMPONENT, apiKeyMigrations);
    hkKey = (await createApiKey(store, "hk-wallet")).key;
    phKey = (await createApiKey(store, "ph-wallet")).key;
    await store.close();
    const configFile = path.join(temp.dir, "quotes.json");
    await writeFile(
      configFile,
      JSON.stringify({
        name: "bank-quotes",
        http: { port: 0 },
        store: { path: storePath },
        chain: { rpcUrl: node.anvil.url, chainId: 31337, settlement: node.world.addresses.remittance },
        providerTenant: "settlement-bank",
        workers: 2,
        rates: { file: ratesFile },
        corridors: [{ id: "HKD-PHP", spreadBps: Number(SPREAD_BPS) }],
        quoteValiditySeconds: 5,
        expiryMarginSeconds: 1,
        sweepIntervalMs: 300,
      }),
    );
    quotes = spawnService("relayer/quotes/main.ts", {
      QUOTES_CONFIG_FILE: configFile,
      QUOTES_SIGNER_KEY: node.keys.bank,
    });
    const listening = await quotes.waitForLog((l) => l.msg === "listening", 30_000);
    url = String(listening.address);
  });

  after(async function () {
    await quotes?.kill();
    await node?.close();
    await temp?.remove();
  });

  it("prices indicatively at the mid rate less the corridor's spread, with the corridor's fee", async function () {
    const answer = await call(url, "GET", `/prices?corridor=HKD-PHP&sellAmount=${HKD(1000)}`, { key: hkKey });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    const body = answer.body as { buyAmount: string; fee: { total: string } };
    const expected = priceDestination(HKD(1000), MID_RATE, SPREAD_BPS, { source: 2, destination: 2 });
    expect(body.buyAmount).to.equal(expected.toString());
    expect(body.fee.total).to.equal((HKD(5) + (HKD(1000) * 50n) / 10_000n).toString());
  });

  it("issues a firm quote the contract accepts: initiate with it creates the remittance of the quote's id", async function () {
    const answer = await call(url, "POST", "/quotes", {
      key: hkKey,
      body: { corridor: "HKD-PHP", sellAmount: HKD(1000).toString(), receivingOperator: "ph-wallet" },
    });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(201);
    const q = answer.body as QuoteAnswer;
    expect(q.sendingOperator).to.equal(node.world.tenants.hkWallet);
    expect(q.receivingOperator).to.equal(node.world.tenants.phWallet);
    expect(q.state).to.equal("outstanding");
    const signed: SignedQuote = {
      domain: node.setup.domain,
      quote: {
        corridorId: q.corridorId,
        sendingTenant: q.sendingOperator,
        receivingTenant: q.receivingOperator,
        quoteId: q.id,
        sourceAmount: BigInt(q.sellAmount),
        destinationAmount: BigInt(q.buyAmount),
        fee: BigInt(q.fee.total),
        expiry: BigInt(q.expiresAt),
        latestDeadline: BigInt(q.latestDeadline),
      },
      clientRef: q.clientRef,
      signature: q.signature,
      signer: q.signer,
    };
    expect(recoverQuoteSigner(signed)).to.equal(getAddress(new Wallet(node.keys.bank).address));
    const hk = new Wallet(node.keys.hkWallet, node.world.ethers.provider);
    const params = buildInitiateParams(signed, {
      recipientHash: "0x" + "11".repeat(32),
      complianceHash: "0x" + "22".repeat(32),
      deadline: BigInt(q.latestDeadline),
    });
    const receipt = await (await node.setup.remittance.connect(hk).initiate(params)).wait();
    const [record] = recordsFromReceipt(node.setup.remittance, receipt!);
    expect(record!.id).to.equal(q.id);
    expect(record!.destinationAmount).to.equal(BigInt(q.buyAmount));
    // The sweeper learns from the chain that the quote was used.
    await eventually(async () => {
      const read = await call(url, "GET", `/quotes/${q.id}`, { key: hkKey });
      return (read.body as QuoteAnswer).state === "used";
    });
  });

  it("never promises more than the ledger balance less outstanding quotes; an expired quote releases its amount", async function () {
    const big = { corridor: "HKD-PHP", sellAmount: HKD(40_000).toString(), receivingOperator: "ph-wallet" };
    const first = await call(url, "POST", "/quotes", { key: hkKey, body: big });
    expect(first.status, JSON.stringify(first.body)).to.equal(201);
    const before = await countQuotes();
    const second = await call(url, "POST", "/quotes", { key: phKey, body: big });
    expect(second.status).to.equal(422);
    expect(codeOf(second)).to.equal("insufficient_liquidity");
    expect(await countQuotes()).to.equal(before);
    const liquidity = await call(url, "GET", "/liquidity", { key: hkKey });
    const l = (liquidity.body as Record<string, { balance: string; outstanding: string; available: string }>)[
      "HKD-PHP"
    ]!;
    expect(BigInt(l.outstanding)).to.equal(BigInt((first.body as QuoteAnswer).buyAmount));
    expect(BigInt(l.balance) - BigInt(l.outstanding)).to.equal(BigInt(l.available));
    // The first quote expires unused (5 s validity + 1 s margin): its amount is free again.
    await eventually(async () => {
      const read = await call(url, "GET", `/quotes/${(first.body as QuoteAnswer).id}`, { key: hkKey });
      return (read.body as QuoteAnswer).state === "expired";
    }, 20_000);
    const third = await call(url, "POST", "/quotes", { key: phKey, body: big });
    expect(third.status, JSON.stringify(third.body)).to.equal(201);
  });

  it("reloads the rate table when the file changes and on SIGHUP; a broken file keeps the last good rates", async function () {
    const priceAt = async () => {
      const answer = await call(url, "GET", `/prices?corridor=HKD-PHP&sellAmount=${HKD(100)}`, { key: hkKey });
      return (answer.body as { buyAmount: string }).buyAmount;
    };
    const expected = (rate: string) =>
      priceDestination(HKD(100), rate, SPREAD_BPS, { source: 2, destination: 2 }).toString();
    await writeFile(ratesFile, JSON.stringify({ rates: { "HKD-PHP": "7.5000" } }));
    await eventually(async () => (await priceAt()) === expected("7.5000"));
    await writeFile(ratesFile, "{ not json");
    quotes.process.kill("SIGHUP");
    await quotes.waitForLog((l) => l.msg === "rate table not loaded; the previous rates stay" && l.why === "SIGHUP");
    expect(await priceAt()).to.equal(expected("7.5000"));
    await writeFile(ratesFile, JSON.stringify({ rates: { "HKD-PHP": "7.1000" } }));
    quotes.process.kill("SIGHUP");
    await eventually(async () => (await priceAt()) === expected("7.1000"));
  });

  it("answers bad input with a 4xx and a stable code, and stores nothing", async function () {
    const before = await countQuotes();
    const body = { corridor: "HKD-PHP", sellAmount: HKD(100).toString(), receivingOperator: "ph-wallet" };
    const cases: [string, Awaited<ReturnType<typeof call>>, number, string][] = [
      ["no key", await call(url, "POST", "/quotes", { body }), 401, "unauthorized"],
      ["wrong key", await call(url, "POST", "/quotes", { key: "llk_nope", body }), 401, "unauthorized"],
      ["malformed JSON", await call(url, "POST", "/quotes", { key: hkKey, raw: "{ nope" }), 400, "malformed_json"],
      [
        "amount as number",
        await call(url, "POST", "/quotes", { key: hkKey, body: { ...body, sellAmount: 100 } }),
        400,
        "invalid_request",
      ],
      [
        "missing field",
        await call(url, "POST", "/quotes", { key: hkKey, body: { corridor: "HKD-PHP", sellAmount: "100" } }),
        400,
        "invalid_request",
      ],
      [
        "unknown field",
        await call(url, "POST", "/quotes", { key: hkKey, body: { ...body, extra: 1 } }),
        400,
        "invalid_request",
      ],
      [
        "unknown corridor",
        await call(url, "POST", "/quotes", { key: hkKey, body: { ...body, corridor: "EUR-PHP" } }),
        422,
        "unknown_corridor",
      ],
      [
        "below minimum",
        await call(url, "POST", "/quotes", { key: hkKey, body: { ...body, sellAmount: "5" } }),
        422,
        "amount_out_of_range",
      ],
      [
        "bad receiver",
        await call(url, "POST", "/quotes", { key: hkKey, body: { ...body, receivingOperator: "0x12" } }),
        400,
        "invalid_request",
      ],
      [
        "huge body",
        await call(url, "POST", "/quotes", {
          key: hkKey,
          raw: JSON.stringify({ ...body, pad: "x".repeat(64 * 1024) }),
        }),
        413,
        "body_too_large",
      ],
    ];
    for (const [what, answer, status, code] of cases) {
      expect(answer.status, what).to.equal(status);
      expect(codeOf(answer), what).to.equal(code);
    }
    expect(await countQuotes()).to.equal(before);
    // Another tenant's quote is not shown.
    const mine = await call(url, "POST", "/quotes", { key: hkKey, body });
    expect(mine.status).to.equal(201);
    const foreign = await call(url, "GET", `/quotes/${(mine.body as QuoteAnswer).id}`, { key: phKey });
    expect(foreign.status).to.equal(403);
    expect(codeOf(foreign)).to.equal("forbidden");
    const unknown = await call(url, "GET", `/quotes/0x${"ab".repeat(32)}`, { key: hkKey });
    expect(codeOf(unknown)).to.equal("unknown_quote");
  });
});
