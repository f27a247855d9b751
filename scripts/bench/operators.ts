import { keccak256, toUtf8Bytes } from "ethers";

import type { SignedQuote } from "../../client/eip712/quote.js";
import { buildInitiateParams, type InitiateParams } from "../../client/remittance.js";
import { DEADLINE } from "../../fixtures/corridor.js";

/**
 * What the HK wallet's relayer sends for a customer's payment `n` with the bank's quote (which names the PH wallet),
 * from the HK wallet's ledger, payable until `DEADLINE` seconds after `now` (chain time). The recipient's
 * identity and the travel-rule data stay off chain; only their hashes go on chain.
 */
export function initiateParams(signed: SignedQuote, now: bigint, n: string): InitiateParams {
  return buildInitiateParams(signed, {
    recipientHash: keccak256(toUtf8Bytes(`bayani/recipient/${n}`)),
    complianceHash: keccak256(toUtf8Bytes(`travel-rule/${n}`)),
    deadline: now + DEADLINE,
  });
}

/** The PH wallet's reference of its payout of remittance `id` in its own wallet system. */
export function payoutRef(id: string): string {
  return keccak256(toUtf8Bytes(`bayani/payout/${id}`));
}
