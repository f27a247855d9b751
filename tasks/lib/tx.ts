import type { BaseContract } from "ethers";

import {
  describeTransaction,
  sendProven,
  type ContractMethod,
  type ProvenTransaction,
} from "../../client/transactions.js";

import { sendGaslessProven, type GaslessOptions, type PopulatableMethod } from "../../client/metatx.js";

export type SentTransaction = ProvenTransaction;

/**
 * Simulates, sends, and returns the receipt only when it holds `proof`, the event that shows the call
 * did what the task reports. A call the contract would reject is a decoded `ContractRevertError` and
 * nothing is sent.
 */
export function send<ArgsT extends unknown[]>(
  contract: BaseContract,
  method: ContractMethod<ArgsT> & PopulatableMethod<ArgsT>,
  args: ArgsT,
  proof: string,
  gasless?: GaslessOptions,
): Promise<SentTransaction> {
  // --gasless: the signer signs a forward request and the meta-transaction relayer pays the gas.
  if (gasless !== undefined) return sendGaslessProven(contract, method, args, proof, gasless);
  return sendProven(contract, method, args, proof);
}

export const describeTx = describeTransaction;
