import { readFile } from "node:fs/promises";

import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { formatAmount } from "../../../client/amounts.js";
import type { SignedQuote } from "../../../client/eip712/quote.js";
import { QuoteError } from "../../../client/errors.js";
import { checkSend, readSendSnapshot, unwrap, type SendRequest } from "../../../client/preflight.js";
import { parseSignedQuote } from "../../../client/quote-file.js";
import { buildInitiateParams, recordsFromReceipt } from "../../../client/remittance.js";
import { formatId, formatTime } from "../../../client/text.js";
import { parseDuration, parseHashOrText, parseId } from "../../lib/args.js";
import { openContext, type ContextOptions, type TaskContext } from "../../lib/context.js";
import { consolePrinter, TaskUserError, userFacing, type Printer } from "../../lib/errors.js";
import { tokenBook } from "../../lib/tokens.js";
import { describeTx, send } from "../../lib/tx.js";

export interface SendArgs extends ContextOptions {
  quote: string;
  to: string;
  recipient: string;
  compliance: string;
  deadline: string;
  pull: boolean;
}

/** What `remit send` needs besides its options: the quote file's text and a context, given by the adapter. */
export interface SendDependencies {
  readQuote(file: string): Promise<string>;
  openContext(): Promise<TaskContext>;
  print: Printer;
}

/**
 * Parses, reads the quote file, checks every off-chain condition `initiate` has (nothing is sent, and
 * nothing is approved, until all pass), sends, and reports the remittance from its proving event.
 */
export async function sendRemittance(args: SendArgs, deps: SendDependencies): Promise<string> {
  if (args.quote === "") throw new TaskUserError("--quote is required (a file written by `remit quote`)");
  const receivingTenant = args.to === "" ? undefined : parseId("to", args.to);
  const recipientHash = parseHashOrText("recipient", args.recipient);
  const complianceHash = parseHashOrText("compliance", args.compliance);
  const deadlineIn = parseDuration("deadline", args.deadline);
  let text: string;
  try {
    text = await deps.readQuote(args.quote);
  } catch {
    throw new TaskUserError(`cannot read the quote file ${args.quote}`);
  }
  let signed: SignedQuote;
  try {
    signed = parseSignedQuote(text);
  } catch (error) {
    if (error instanceof QuoteError) throw new TaskUserError(`${args.quote}: ${error.shortMessage}`);
    throw error;
  }

  const ctx = await deps.openContext();
  // The quote binds the receiving operator; --to, when given, is only checked against it.
  const request: SendRequest = { signed, deadlineIn, funding: args.pull ? "Pull" : "Ledger" };
  if (receivingTenant !== undefined) request.receivingTenant = receivingTenant;
  const snapshot = await readSendSnapshot(ctx.platform, ctx.signer.address, request);
  unwrap(checkSend(request, snapshot));

  const { quote } = signed;
  const deadline = snapshot.now + deadlineIn;
  const params = buildInitiateParams(signed, {
    recipientHash,
    complianceHash,
    deadline,
    funding: request.funding,
  });
  const remittance = ctx.platform.remittance;
  const tx = await send(remittance, remittance.initiate, [params], "RemittanceInitiated");
  const [record] = recordsFromReceipt(remittance, tx.receipt);
  if (record === undefined || record.id !== quote.quoteId) {
    throw new TaskUserError(`transaction ${tx.hash} initiated no remittance ${quote.quoteId}`);
  }
  const tokens = tokenBook(ctx);
  const [source, destination] = [await tokens(record.sourceToken), await tokens(record.destinationToken)];
  const { print } = deps;
  print.line(`Remittance ${record.id}: Initiated`);
  print.line(
    `  ${formatId(record.sendingTenant)} -> ${formatId(record.receivingTenant)} via ${formatId(record.provider)}`,
  );
  print.line(`  locked   ${formatAmount(record.sourceAmount, source)} + fee ${formatAmount(record.fee, source)}`);
  print.line(`  reserved ${formatAmount(record.destinationAmount, destination)} for the payout`);
  print.line(`  deadline ${formatTime(record.deadline)}`);
  print.line(`  ${describeTx(tx)}`);
  return record.id;
}

export default userFacing(async (args: SendArgs, hre: HardhatRuntimeEnvironment) => {
  await sendRemittance(args, {
    readQuote: (file) => readFile(file, "utf8"),
    openContext: () => openContext(hre, args),
    print: consolePrinter,
  });
});
