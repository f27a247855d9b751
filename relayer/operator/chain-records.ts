import { encodeBytes32String, Interface, keccak256, toUtf8Bytes, type InterfaceAbi } from "ethers";

import type { RemittanceRecord } from "../../client/remittance.js";
import type { DecodeRevert } from "../core/tx/types.js";

/** JSON for a record or call payload: bigints as decimal strings (ethers takes them back as uint). */
export const toJson = (value: unknown) =>
  JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));

export function recordFromJson(text: string): RemittanceRecord {
  const r = JSON.parse(text) as Record<string, string>;
  return {
    id: r.id!,
    sendingTenant: r.sendingTenant!,
    receivingTenant: r.receivingTenant!,
    provider: r.provider!,
    sourceToken: r.sourceToken!,
    destinationToken: r.destinationToken!,
    sourceAmount: BigInt(r.sourceAmount!),
    destinationAmount: BigInt(r.destinationAmount!),
    fee: BigInt(r.fee!),
    deadline: BigInt(r.deadline!),
  };
}

/** The wallet's payout reference as the bytes32 `confirmPayout` records: the text when it fits, else its hash. */
export function payoutRefBytes32(ref: string): string {
  return toUtf8Bytes(ref).length <= 31 ? encodeBytes32String(ref) : keccak256(toUtf8Bytes(ref));
}

/** Decodes custom errors of the given ABIs for the transaction manager. */
export function revertDecoder(...abis: InterfaceAbi[]): DecodeRevert {
  const interfaces = abis.map((abi) => new Interface(abi));
  return (data) => {
    for (const iface of interfaces) {
      try {
        const parsed = iface.parseError(data);
        if (parsed) return { name: parsed.name, args: parsed.args.map((a: unknown) => String(a)), data };
      } catch {
        // not this interface's error
      }
    }
    return undefined;
  };
}
