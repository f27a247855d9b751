/**
 * Escrow deals off chain: the id derivation, the milestone commitment, hashlocks, and deals rebuilt from
 * `DealOpened` (storage holds only what changes) read from the escrow's deployment block.
 */
import { AbiCoder, concat, keccak256, sha256, toBeHex, ZeroHash, type Provider } from "ethers";

import type { TokenEscrow } from "../typechain-types/index.js";
import { DealStatus, FINAL_DEAL_STATUSES, nameOf, type DealStatusName, type HashFunctionName } from "./enums.js";
import { getLogsInRanges } from "./history.js";

/** The highest number of milestones a deal can have (`MAX_MILESTONES`). */
export const MAX_MILESTONES = 16;

/** The immutable terms of a deal, as `ITokenEscrow.DealTerms` lays them out. */
export interface DealTerms {
  payer: string;
  payee: string;
  arbiter: string;
  token: string;
  amount: bigint;
  deadline: bigint;
  feeBps: bigint;
  hashFunction: bigint;
  hashlock: string;
  milestones: string;
  ref: string;
  salt: bigint;
}

const TERMS_TUPLE =
  "tuple(address payer, address payee, address arbiter, address token, uint128 amount, uint64 deadline, " +
  "uint16 feeBps, uint8 hashFunction, bytes32 hashlock, bytes32 milestones, bytes32 ref, uint64 salt)";

/** The deal id the escrow derives from the terms: `keccak256(abi.encode(terms))`. */
export function dealIdOf(terms: DealTerms): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode([TERMS_TUPLE], [terms]));
}

/** The commitment to milestone amounts (`keccak256` of the amounts as 32-byte words); zero for none. */
export function milestonesCommitment(amounts: readonly bigint[]): string {
  if (amounts.length === 0) return ZeroHash;
  return keccak256(concat(amounts.map((a) => toBeHex(a, 32))));
}

/** The hashlock of a 32-byte secret, as the escrow checks it. */
export function hashSecret(secret: string, fn: HashFunctionName): string {
  return fn === "sha256" ? sha256(secret) : keccak256(secret);
}

/** Plain terms from the decoded `DealOpened` tuple (an ethers `Result`), usable as call arguments again. */
export function termsFromEvent(t: DealTerms): DealTerms {
  return {
    payer: t.payer,
    payee: t.payee,
    arbiter: t.arbiter,
    token: t.token,
    amount: t.amount,
    deadline: t.deadline,
    feeBps: t.feeBps,
    hashFunction: t.hashFunction,
    hashlock: t.hashlock,
    milestones: t.milestones,
    ref: t.ref,
    salt: t.salt,
  };
}

/** A deal as an off-chain reader sees it: the terms from `DealOpened`, the record from the escrow. */
export interface LoadedDeal {
  id: string;
  terms: DealTerms;
  milestones: bigint[];
  payerTenant: string;
  payeeTenant: string;
  openedInBlock: number;
  status: DealStatusName;
  milestonesReleased: number;
  released: bigint;
}

export function isFinalDeal(status: DealStatusName): boolean {
  return FINAL_DEAL_STATUSES.includes(status);
}

/** The remaining amount of a deal: what it still holds for payer and payee. */
export function remainingOf(deal: LoadedDeal): bigint {
  return isFinalDeal(deal.status) ? 0n : deal.terms.amount - deal.released;
}

/** Rebuilds a deal from its events and on-chain record; undefined when no deal has this id. */
export async function loadDeal(
  escrow: TokenEscrow,
  provider: Provider,
  id: string,
  fromBlock?: number,
): Promise<LoadedDeal | undefined> {
  const start = fromBlock ?? Number(await escrow.deploymentBlock());
  const iface = escrow.interface;
  const address = String(escrow.target);
  const [opened] = await getLogsInRanges(provider, {
    address,
    topics: [iface.getEvent("DealOpened").topicHash, id],
    fromBlock: start,
  });
  if (opened === undefined) return undefined;
  const [scheduled] = await getLogsInRanges(provider, {
    address,
    topics: [iface.getEvent("MilestonesScheduled").topicHash, id],
    fromBlock: opened.blockNumber,
    toBlock: opened.blockNumber,
  });
  const openedArgs = iface.parseLog(opened)!.args;
  const record = await escrow.getDeal(id);
  const status = nameOf(DealStatus, record.status);
  if (status.startsWith("Unknown")) throw new Error(`deal ${id} has unknown status ${record.status}`);
  return {
    id,
    terms: termsFromEvent(openedArgs.terms as DealTerms),
    milestones: scheduled === undefined ? [] : [...(iface.parseLog(scheduled)!.args.amounts as bigint[])],
    payerTenant: openedArgs.payerTenant,
    payeeTenant: openedArgs.payeeTenant,
    openedInBlock: opened.blockNumber,
    status: status as DealStatusName,
    milestonesReleased: Number(record.milestonesReleased),
    released: record.released,
  };
}

/** Ids of deals in which a tenant is payer or payee, oldest first. */
export async function dealIdsOfTenant(
  escrow: TokenEscrow,
  provider: Provider,
  tenant: string,
  fromBlock?: number,
): Promise<Array<{ id: string; blockNumber: number; role: "payer" | "payee" }>> {
  const start = fromBlock ?? Number(await escrow.deploymentBlock());
  const topic = escrow.interface.getEvent("DealOpened").topicHash;
  const address = String(escrow.target);
  const [asPayer, asPayee] = await Promise.all([
    getLogsInRanges(provider, { address, topics: [topic, null, tenant], fromBlock: start }),
    getLogsInRanges(provider, { address, topics: [topic, null, null, tenant], fromBlock: start }),
  ]);
  const out = new Map<string, { id: string; blockNumber: number; role: "payer" | "payee"; index: number }>();
  for (const [logs, role] of [
    [asPayer, "payer"],
    [asPayee, "payee"],
  ] as const) {
    for (const log of logs) {
      const id = log.topics[1]!;
      if (!out.has(id)) out.set(id, { id, blockNumber: log.blockNumber, role, index: log.index });
    }
  }
  return [...out.values()]
    .sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index)
    .map(({ id, blockNumber, role }) => ({ id, blockNumber, role }));
}
