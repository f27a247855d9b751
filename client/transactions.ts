/**
 * Sending a contract call so that success is only ever reported with proof: simulate first (a revert
 * costs nothing and is decoded), send, wait, and require in the receipt the event that proves the call
 * did what was asked.
 */
import type { BaseContract, ContractTransactionResponse, LogDescription, TransactionReceipt } from "ethers";
import { getAddress } from "ethers";

import { classifyError } from "./revert.js";
import { TransactionFailedError } from "./errors.js";

/** A mined transaction and the event that proves it. */
export interface ProvenTransaction {
  hash: string;
  blockNumber: number;
  gasUsed: bigint;
  receipt: TransactionReceipt;
  /** The proving event, decoded. */
  event: LogDescription;
  /** Every event of the proving contract in the receipt, decoded, in order. */
  events: LogDescription[];
}

export interface ContractMethod<ArgsT extends unknown[]> {
  (...args: ArgsT): Promise<ContractTransactionResponse>;
  estimateGas(...args: ArgsT): Promise<bigint>;
}

/**
 * Simulates `method(...args)`; a rejection is thrown as a decoded `ContractRevertError` and nothing is
 * sent. Then sends, waits, and returns the receipt with `proof`, the event `contract` must have emitted.
 */
export async function sendProven<ArgsT extends unknown[]>(
  contract: BaseContract,
  method: ContractMethod<ArgsT>,
  args: ArgsT,
  proof: string,
): Promise<ProvenTransaction> {
  try {
    await method.estimateGas(...args);
  } catch (error) {
    throw classifyError(error);
  }
  let response: ContractTransactionResponse;
  try {
    response = await method(...args);
  } catch (error) {
    throw classifyError(error);
  }
  let receipt: TransactionReceipt | null;
  try {
    receipt = await response.wait();
  } catch (error) {
    const classified = classifyError(error);
    if (classified instanceof Error && classified !== error) {
      throw new TransactionFailedError(response.hash, `transaction ${response.hash} reverted on chain`, {
        cause: classified,
      });
    }
    throw classified;
  }
  if (receipt === null || receipt.status !== 1) {
    throw new TransactionFailedError(response.hash, `transaction ${response.hash} reverted on chain`);
  }
  return proveReceipt(contract, receipt, proof);
}

/** Finds the proving event in a receipt; a receipt without it is a `TransactionFailedError`. */
export function proveReceipt(contract: BaseContract, receipt: TransactionReceipt, proof: string): ProvenTransaction {
  const address = getAddress(String(contract.target));
  const events: LogDescription[] = [];
  for (const log of receipt.logs) {
    if (getAddress(log.address) !== address) continue;
    try {
      const parsed = contract.interface.parseLog(log);
      if (parsed !== null) events.push(parsed);
    } catch {
      // An event of another ABI at the same address cannot prove anything here.
    }
  }
  const event = events.find((e) => e.name === proof);
  if (event === undefined) {
    throw new TransactionFailedError(
      receipt.hash,
      `transaction ${receipt.hash} was mined but holds no ${proof} event: it did not do what was asked`,
      { notProven: true },
    );
  }
  return { hash: receipt.hash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed, receipt, event, events };
}

/** A mined transaction as people read it. */
export function describeTransaction(tx: Pick<ProvenTransaction, "hash" | "blockNumber" | "gasUsed">): string {
  return `tx ${tx.hash} (block ${tx.blockNumber}, gas ${tx.gasUsed})`;
}
