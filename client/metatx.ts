/**
 * What a member's phone wallet does to act without native gas: build and sign a forward request for the
 * platform forwarder, post it to the meta-transaction relayer and wait for its outcome. Depends on ethers
 * and fetch only (no Hardhat), so any Node or browser client can use it.
 */
import { type BaseContract, type Provider, type Signer } from "ethers";

import { PlatformForwarder__factory } from "../typechain-types/index.js";
import {
  forwardRequestToJson,
  signForwardRequest,
  type ForwardRequestData,
  type ForwarderDomain,
} from "./eip712/forward-request.js";
import { RelayerRefusedError, TransactionFailedError, TransportError } from "./errors.js";
import { proveReceipt, type ProvenTransaction } from "./transactions.js";

export interface PrepareForwardOptions {
  /** The forwarder's address; its chain id is read from the provider. */
  forwarder: string;
  to: string;
  data: string;
  /** Gas the target call gets (the relayer refuses more than its configured maximum). */
  gas?: bigint;
  /** The request is void after this many seconds of chain time (default 10 minutes). */
  validForSeconds?: bigint;
  /**
   * The forwarder nonce to sign; by default the signer's current one, which is right when it has no
   * other request in flight (the forwarder executes a member's requests in nonce order).
   */
  nonce?: bigint;
}

/** Signs a forward request as `signer`, reading the nonce, chain id and chain time from `provider`. */
export async function prepareForwardRequest(
  signer: Pick<Signer, "signTypedData" | "getAddress">,
  provider: Provider,
  options: PrepareForwardOptions,
): Promise<ForwardRequestData> {
  const from = await signer.getAddress();
  const forwarder = PlatformForwarder__factory.connect(options.forwarder, provider);
  const [network, nonce, latest] = await Promise.all([
    provider.getNetwork(),
    options.nonce ?? forwarder.nonces(from),
    provider.getBlock("latest"),
  ]);
  if (latest === null) throw new TransportError("the node returned no latest block");
  const domain: ForwarderDomain = { chainId: network.chainId, verifyingContract: options.forwarder };
  return signForwardRequest(signer, domain, {
    to: options.to,
    data: options.data,
    nonce,
    deadline: BigInt(latest.timestamp) + (options.validForSeconds ?? 600n),
    ...(options.gas === undefined ? {} : { gas: options.gas }),
  });
}

/** The relayer's view of one forwarded request (`GET /forward/:id`). */
export interface ForwardStatus {
  id: string;
  tenant: string;
  signer: string;
  target: string;
  selector: string;
  /** `pending` until the transaction is final; then `confirmed`, `reverted` or `failed` (never sent). */
  status: "pending" | "confirmed" | "reverted" | "failed";
  gasLimit: string;
  reserved: string;
  /** Wei charged to the tenant's budget: gas used × effective price of the receipt; null until final. */
  charged: string | null;
  gasUsed: string | null;
  txHash: string | null;
  blockNumber: number | null;
  error: { code: string; message: string; revert?: { name: string; text: string; data: string } } | null;
}

export interface Budget {
  tenant: string;
  granted: string;
  sponsored: string;
  funded: string;
  reserved: string;
  spent: string;
  available: string;
}

export interface MetatxClientOptions {
  url: string;
  /** Operator's admin key (budget set/show); sent as `x-admin-key`. */
  adminKey?: string;
  /** A tenant API key (a sponsor's top-ups). */
  apiKey?: string;
  timeoutMs?: number;
}

/** HTTP client of the meta-transaction relayer; every refusal becomes a `RelayerRefusedError`. */
export class MetatxClient {
  private readonly url: string;

  constructor(private readonly options: MetatxClientOptions) {
    this.url = options.url.replace(/\/+$/, "");
  }

  /** Posts a signed request; resolves to its status once accepted (or already known). */
  forward(request: ForwardRequestData): Promise<ForwardStatus> {
    return this.call<ForwardStatus>("POST", "/forward", { request: forwardRequestToJson(request) });
  }

  get(id: string): Promise<ForwardStatus> {
    return this.call<ForwardStatus>("GET", `/forward/${id}`);
  }

  /**
   * Polls until the request is final. A `reverted` or `failed` outcome throws `RelayerRefusedError` with
   * the decoded reason; `confirmed` resolves. Bounded by `timeoutMs`.
   */
  async waitForOutcome(id: string, options: { timeoutMs?: number; pollMs?: number } = {}): Promise<ForwardStatus> {
    const until = Date.now() + (options.timeoutMs ?? 60_000);
    for (;;) {
      const status = await this.get(id);
      if (status.status === "confirmed") return status;
      if (status.status !== "pending") {
        throw new RelayerRefusedError(
          status.error?.code ?? status.status,
          200,
          `the forwarded request ${status.status}: ${status.error?.message ?? "no reason given"}`,
          status,
        );
      }
      if (Date.now() >= until) throw new TransportError(`request ${id} still pending after the timeout`);
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 200));
    }
  }

  /** Posts and waits; a request the relayer already has (`forward_replayed`) is followed, not resent. */
  async forwardAndWait(request: ForwardRequestData, options: { timeoutMs?: number } = {}): Promise<ForwardStatus> {
    let id: string;
    try {
      id = (await this.forward(request)).id;
    } catch (error) {
      const known =
        error instanceof RelayerRefusedError && error.relayerCode === "forward_replayed"
          ? (error.relayerDetails as { id?: string } | undefined)?.id
          : undefined;
      if (known === undefined) throw error;
      id = known;
    }
    return this.waitForOutcome(id, options);
  }

  setBudget(tenant: string, amount: bigint): Promise<Budget> {
    return this.call<Budget>("PUT", `/budgets/${tenant}`, { amount: amount.toString() });
  }

  showBudget(tenant: string): Promise<Budget> {
    return this.call<Budget>("GET", `/budgets/${tenant}`);
  }

  /** A sponsor's top-up of an SME it sponsors (authenticated by the sponsor's API key). */
  sponsor(tenant: string, amount: bigint): Promise<Budget> {
    return this.call<Budget>("POST", `/budgets/${tenant}/top-ups`, { amount: amount.toString() });
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.options.adminKey !== undefined) headers["x-admin-key"] = this.options.adminKey;
    if (this.options.apiKey !== undefined) headers.authorization = `Bearer ${this.options.apiKey}`;
    let response: Response;
    try {
      response = await fetch(this.url + path, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new TransportError(`the relayer at ${this.url} did not answer ${method} ${path}`, { cause: error });
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      throw new TransportError(`the relayer answered ${response.status} with a body that is not JSON`);
    }
    if (response.ok) return parsed as T;
    const error = (parsed as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    throw new RelayerRefusedError(
      error?.code ?? `http_${response.status}`,
      response.status,
      `the relayer refused: ${error?.message ?? `HTTP ${response.status}`}`,
      error?.details,
    );
  }
}

/** A typechain method: what `sendGaslessProven` needs to build the calldata. */
export interface PopulatableMethod<ArgsT extends unknown[]> {
  populateTransaction(...args: ArgsT): Promise<{ to: string; data: string }>;
}

export interface GaslessOptions {
  relayerUrl: string;
  signer: Pick<Signer, "signTypedData" | "getAddress">;
  provider: Provider;
  forwarder: string;
  timeoutMs?: number;
}

/**
 * `sendProven` without gas: the member signs a forward request for `method(...args)`, the relayer
 * simulates, submits and pays; success is reported only with `proof` in the receipt, as for a direct send.
 * A refusal (the target's decoded error included) is a `RelayerRefusedError`; nothing was sent.
 */
export async function sendGaslessProven<ArgsT extends unknown[]>(
  contract: BaseContract,
  method: PopulatableMethod<ArgsT>,
  args: ArgsT,
  proof: string,
  options: GaslessOptions,
): Promise<ProvenTransaction & { charged: string }> {
  const tx = await method.populateTransaction(...args);
  const request = await prepareForwardRequest(options.signer, options.provider, {
    forwarder: options.forwarder,
    to: tx.to,
    data: tx.data,
  });
  const outcome = await new MetatxClient({ url: options.relayerUrl }).forwardAndWait(
    request,
    options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs },
  );
  const receipt = outcome.txHash === null ? null : await options.provider.getTransactionReceipt(outcome.txHash);
  if (receipt === null) {
    throw new TransactionFailedError(outcome.txHash ?? "", "the relayer reported success but the node has no receipt");
  }
  return { ...proveReceipt(contract, receipt, proof), charged: outcome.charged ?? "0" };
}
