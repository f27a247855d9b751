import type { BaseContract, ContractTransactionResponse, Interface, TransactionReceipt } from "ethers";

import { TaskUserError } from "./errors.js";
import { formatId } from "./registry.js";

/** A mined transaction, as tasks report it. */
export interface SentTransaction {
  hash: string;
  blockNumber: number;
  gasUsed: bigint;
  receipt: TransactionReceipt;
}

/**
 * Sends a contract call after simulating it. A call the contract would reject is reported as a
 * `TaskUserError` naming the decoded custom error, and nothing is sent. `errorSources` are extra
 * interfaces (e.g. the registry's) whose errors can surface through the call.
 */
export async function send<ArgsT extends unknown[]>(
  contract: BaseContract,
  method: { (...args: ArgsT): Promise<ContractTransactionResponse>; estimateGas(...args: ArgsT): Promise<bigint> },
  args: ArgsT,
  errorSources: Interface[] = [],
): Promise<SentTransaction> {
  try {
    await method.estimateGas(...args);
  } catch (error) {
    throw new TaskUserError(
      `the contract rejected the call: ${describeRevert(error, [contract.interface, ...errorSources])}`,
      {
        cause: error,
      },
    );
  }
  const response = await method(...args);
  const receipt = await response.wait();
  if (receipt === null || receipt.status !== 1) {
    throw new TaskUserError(`transaction ${response.hash} reverted on chain`);
  }
  return { hash: receipt.hash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed, receipt };
}

/** Decodes revert data into `ErrorName(arg, ...)` using the given interfaces, or the node's message. */
export function describeRevert(error: unknown, interfaces: Interface[]): string {
  const data = findRevertData(error);
  if (data !== undefined && data !== "0x") {
    for (const iface of interfaces) {
      try {
        const parsed = iface.parseError(data);
        if (parsed !== null) {
          const args = parsed.fragment.inputs.map(
            (input, i) => `${input.name}=${formatValue(parsed.args[i], input.type)}`,
          );
          return `${parsed.name}(${args.join(", ")})`;
        }
      } catch {
        // not this interface's error: try the next one
      }
    }
    return `unknown error data ${data}`;
  }
  return error instanceof Error ? (error.message.split("\n")[0] ?? error.message) : String(error);
}

function findRevertData(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && typeof current === "object" && current !== null; depth++) {
    const candidate = (current as { data?: unknown }).data;
    if (typeof candidate === "string" && candidate.startsWith("0x")) return candidate;
    if (typeof candidate === "object" && candidate !== null) {
      const nested = (candidate as { data?: unknown }).data;
      if (typeof nested === "string" && nested.startsWith("0x")) return nested;
    }
    current = (current as { cause?: unknown; error?: unknown }).cause ?? (current as { error?: unknown }).error;
  }
  return undefined;
}

function formatValue(value: unknown, type: string): string {
  // Tenant ids and other bytes32 labels read better as the label an operator typed.
  if (type === "bytes32" && typeof value === "string") return formatId(value);
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return value;
  return String(value);
}

/** Formats a sent transaction as tasks print it. */
export function describeTx(tx: SentTransaction): string {
  return `tx ${tx.hash} (block ${tx.blockNumber}, gas ${tx.gasUsed})`;
}
