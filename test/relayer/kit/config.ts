import { expect } from "chai";
import { Wallet, encryptKeystoreJson } from "ethers";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { z } from "zod";

import { storeSection } from "../../../relayer/core/kit/config-sections.js";
import { envName, loadConfig } from "../../../relayer/core/kit/config.js";
import { createLogger } from "../../../relayer/core/kit/logger.js";
import { ConfigError, KeystoreError } from "../../../relayer/core/kit/errors.js";
import { loadSigner } from "../../../relayer/core/kit/keys.js";
import { exampleConfigSchema } from "../fixtures/example-service.js";

// A throwaway key made for this test run; never a real one.
const wallet = Wallet.createRandom();
const PASSWORD = "correct horse battery staple";

describe("Service kit: configuration and keys", function () {
  let dir: string;

  before(async function () {
    dir = await mkdtemp(path.join(tmpdir(), "ll-kit-config-"));
  });

  after(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  async function configFile(name: string, content: string): Promise<string> {
    const file = path.join(dir, name);
    await writeFile(file, content);
    return file;
  }

  function configErrorOf(fn: () => unknown): ConfigError {
    try {
      fn();
    } catch (error) {
      expect(error).to.be.instanceOf(ConfigError);
      return error as ConfigError;
    }
    expect.fail("expected a ConfigError");
  }

  describe("loadConfig", function () {
    it("reads the JSON file and fills the schema's defaults", async function () {
      const file = await configFile("ok.json", JSON.stringify({ http: { port: 8080 }, store: { path: "x.db" } }));
      const config = loadConfig(exampleConfigSchema, { file, env: {}, envPrefix: "EXAMPLE" });
      expect(config.http).to.deep.equal({
        host: "127.0.0.1",
        port: 8080,
        bodyLimit: 16384,
        rateLimit: { max: 100, windowMs: 60_000 },
      });
      expect(config.jobs.stepMs).to.equal(50);
    });

    it("lets environment variables override nested keys, named EXAMPLE_HTTP__BODY_LIMIT and the like", async function () {
      const file = await configFile("base.json", JSON.stringify({ http: { port: 8080 }, store: { path: "x.db" } }));
      expect(envName("EXAMPLE", ["http", "bodyLimit"])).to.equal("EXAMPLE_HTTP__BODY_LIMIT");
      const config = loadConfig(exampleConfigSchema, {
        env: {
          EXAMPLE_CONFIG_FILE: file,
          EXAMPLE_HTTP__PORT: "9090",
          EXAMPLE_HTTP__BODY_LIMIT: "2048",
          EXAMPLE_LOG_LEVEL: "debug",
          OTHER_HTTP__PORT: "1",
        },
        envPrefix: "EXAMPLE",
      });
      expect(config.http.port).to.equal(9090);
      expect(config.http.bodyLimit).to.equal(2048);
      expect(config.logLevel).to.equal("debug");
      expect(config.store.path).to.equal("x.db");
    });

    it("reports every bad key at once, naming the key, the problem and where the value came from", async function () {
      const file = await configFile("bad.json", JSON.stringify({ http: { port: 70000 }, store: {}, extra: 1 }));
      const error = configErrorOf(() =>
        loadConfig(exampleConfigSchema, { file, env: { EXAMPLE_LOG_LEVEL: "loud" }, envPrefix: "EXAMPLE" }),
      );
      const issues = error.issues.join("\n");
      expect(issues).to.match(/^http\.port: .*65535.* \(from file .*bad\.json\)$/m);
      expect(issues).to.match(/^store\.path: .* \(from file .*bad\.json\)$/m);
      expect(issues).to.match(/^logLevel: .* \(from environment EXAMPLE_LOG_LEVEL\)$/m);
      expect(issues).to.match(/extra/);
      expect(error.message).to.include("http.port");
    });

    it("names a config file that is missing or not JSON", async function () {
      const missing = path.join(dir, "nope.json");
      expect(
        configErrorOf(() => loadConfig(exampleConfigSchema, { file: missing, envPrefix: "EXAMPLE" })).message,
      ).to.include(`config file ${missing} cannot be read: ENOENT`);
      const broken = await configFile("broken.json", "{ http: ");
      expect(
        configErrorOf(() => loadConfig(exampleConfigSchema, { file: broken, envPrefix: "EXAMPLE" })).message,
      ).to.include(`config file ${broken} is not valid JSON`);
    });

    it("never takes a password or private key variable into the config", function () {
      const config = loadConfig(exampleConfigSchema, {
        env: {
          EXAMPLE_HTTP__PORT: "1",
          EXAMPLE_STORE__PATH: "x.db",
          EXAMPLE_KEYSTORE_PASSWORD: PASSWORD,
          EXAMPLE_PRIVATE_KEY: wallet.privateKey,
        },
        envPrefix: "EXAMPLE",
      });
      expect(JSON.stringify(config)).not.to.include(PASSWORD).and.not.to.include(wallet.privateKey.slice(2));
    });
  });

  describe("the store section", function () {
    const schema = z.strictObject({ store: storeSection });
    const DB_PASSWORD = "s3cret-db-pw";
    const URL = `postgres://ledger:${DB_PASSWORD}@db.internal:5432/operator`;

    it("takes a SQLite path, the default kind of store", function () {
      const config = loadConfig(schema, { env: { EXAMPLE_STORE__PATH: "x.db" }, envPrefix: "EXAMPLE" });
      expect(config.store).to.deep.equal({ path: "x.db" });
    });

    it("takes a PostgreSQL URL from the environment, with a default pool size of 10", function () {
      const config = loadConfig(schema, { env: { EXAMPLE_STORE__URL: URL }, envPrefix: "EXAMPLE" });
      expect(config.store).to.deep.equal({ url: URL, poolSize: 10 });
      const sized = loadConfig(schema, {
        env: { EXAMPLE_STORE__URL: URL, EXAMPLE_STORE__POOL_SIZE: "4" },
        envPrefix: "EXAMPLE",
      });
      expect(sized.store).to.deep.equal({ url: URL, poolSize: 4 });
    });

    it("refuses both a path and a URL, neither, and a pool size for SQLite, never quoting the URL", async function () {
      const file = await configFile("store-both.json", JSON.stringify({ store: { path: "x.db" } }));
      const both = configErrorOf(() =>
        loadConfig(schema, { file, env: { EXAMPLE_STORE__URL: URL }, envPrefix: "EXAMPLE" }),
      );
      expect(both.issues.join("\n")).to.match(/^store: set either path .* or url /m);
      expect(JSON.stringify(both.issues) + both.message).to.not.include(DB_PASSWORD);
      const neither = configErrorOf(() =>
        loadConfig(schema, { env: { EXAMPLE_STORE__POOL_SIZE: "2" }, envPrefix: "EXAMPLE" }),
      );
      expect(neither.issues.join("\n")).to.match(/^store: set either path/m);
      const pooled = configErrorOf(() =>
        loadConfig(schema, {
          env: { EXAMPLE_STORE__PATH: "x.db", EXAMPLE_STORE__POOL_SIZE: "2" },
          envPrefix: "EXAMPLE",
        }),
      );
      expect(pooled.issues.join("\n")).to.match(/^store\.poolSize: applies to PostgreSQL/m);
    });

    it("refuses a URL that is not postgres://, without quoting it", function () {
      const wrong = `mysql://ledger:${DB_PASSWORD}@db.internal/operator`;
      const error = configErrorOf(() =>
        loadConfig(schema, { env: { EXAMPLE_STORE__URL: wrong }, envPrefix: "EXAMPLE" }),
      );
      expect(error.issues.join("\n")).to.match(
        /^store\.url: must be a postgres:\/\/ .* \(from environment EXAMPLE_STORE__URL\)$/m,
      );
      expect(JSON.stringify(error.issues) + error.message).to.not.include(DB_PASSWORD);
    });

    it("logs the store section with its URL redacted", function () {
      const lines: string[] = [];
      const logger = createLogger({ service: "t", destination: { write: (line: string) => void lines.push(line) } });
      const config = loadConfig(schema, { env: { EXAMPLE_STORE__URL: URL }, envPrefix: "EXAMPLE" });
      logger.info({ config }, "starting");
      expect(lines).to.have.length(1);
      expect(lines[0]).to.not.include(DB_PASSWORD);
      expect(JSON.parse(lines[0]!).config.store).to.deep.equal({ url: "[redacted]", poolSize: 10 });
    });
  });

  describe("loadSigner", function () {
    let keystoreFile: string;

    before(async function () {
      // A light scrypt cost keeps the test fast; production keystores use the default cost.
      const json = await encryptKeystoreJson({ address: wallet.address, privateKey: wallet.privateKey }, PASSWORD, {
        scrypt: { N: 1024 },
      });
      keystoreFile = await configFile("keystore.json", json);
    });

    it("opens an encrypted JSON keystore with the password from the environment", async function () {
      const signer = await loadSigner({
        keystoreFile,
        passwordEnv: "EXAMPLE_KEYSTORE_PASSWORD",
        privateKeyEnv: "EXAMPLE_PRIVATE_KEY",
        env: { EXAMPLE_KEYSTORE_PASSWORD: PASSWORD },
      });
      expect(signer.address).to.equal(wallet.address);
    });

    it("reports a wrong password as such, naming the file and the variable but not the password", async function () {
      const error = await loadSigner({
        keystoreFile,
        passwordEnv: "EXAMPLE_KEYSTORE_PASSWORD",
        privateKeyEnv: "EXAMPLE_PRIVATE_KEY",
        env: { EXAMPLE_KEYSTORE_PASSWORD: "not the password" },
      }).then(
        () => expect.fail("expected a KeystoreError"),
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(KeystoreError);
      expect((error as Error).message).to.equal(
        `keystore ${keystoreFile}: wrong password in EXAMPLE_KEYSTORE_PASSWORD`,
      );
    });

    it("asks for the password when its variable is unset", async function () {
      const error = await loadSigner({
        keystoreFile,
        passwordEnv: "EXAMPLE_KEYSTORE_PASSWORD",
        privateKeyEnv: "EXAMPLE_PRIVATE_KEY",
        env: {},
      }).catch((e: unknown) => e);
      expect((error as Error).message).to.equal(
        `keystore ${keystoreFile}: set its password in EXAMPLE_KEYSTORE_PASSWORD`,
      );
    });

    it("takes a private key from the environment when there is no keystore", async function () {
      const signer = await loadSigner({
        passwordEnv: "EXAMPLE_KEYSTORE_PASSWORD",
        privateKeyEnv: "EXAMPLE_PRIVATE_KEY",
        env: { EXAMPLE_PRIVATE_KEY: wallet.privateKey },
      });
      expect(signer.address).to.equal(wallet.address);
    });

    it("refuses a malformed private key without quoting it", async function () {
      const bad = `${wallet.privateKey.slice(0, 60)}zz`;
      const error = await loadSigner({
        passwordEnv: "EXAMPLE_KEYSTORE_PASSWORD",
        privateKeyEnv: "EXAMPLE_PRIVATE_KEY",
        env: { EXAMPLE_PRIVATE_KEY: bad },
      }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(KeystoreError);
      expect((error as Error).message).to.equal("EXAMPLE_PRIVATE_KEY is not a 0x-prefixed 32-byte hex private key");
      expect(String((error as Error).cause ?? "")).not.to.include(bad.slice(2, 40));
    });
  });
});
