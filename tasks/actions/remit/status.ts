import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseHashOrText, parseId } from "../../lib/args.js";
import { openContext, type ContextOptions } from "../../lib/context.js";
import { TaskUserError, userFacing } from "../../lib/errors.js";
import { remittanceIdOf } from "../../../client/eip712/quote.js";
import { formatId } from "../../lib/registry.js";
import {
  formatRemittanceStatus,
  formatTime,
  parseRemittanceId,
  remittanceOf,
  requireRemittance,
  statusPath,
} from "../../lib/remittance.js";
import { formatAmount, tokenBook } from "../../lib/tokens.js";

interface StatusArgs extends ContextOptions {
  id: string;
  sender: string;
  clientRef: string;
}

export default userFacing(async (args: StatusArgs, hre: HardhatRuntimeEnvironment) => {
  const byRef = args.sender !== "" || args.clientRef !== "";
  if (byRef === (args.id !== "")) throw new TaskUserError("give either --id, or --sender with --client-ref");
  const id = byRef
    ? remittanceIdOf(parseId("sender", args.sender), parseHashOrText("client-ref", args.clientRef))
    : parseRemittanceId(args.id);

  const ctx = await openContext(hre, args);
  const remittance = await remittanceOf(ctx);
  const history = await requireRemittance(ctx, id);
  const { record } = history;
  const tokens = tokenBook(ctx);
  const [source, destination] = [await tokens(record.sourceToken), await tokens(record.destinationToken)];
  console.log(`Remittance ${id}`);
  console.log(`  status        ${formatRemittanceStatus(await remittance.statusOf(id))}`);
  console.log(`  path          ${statusPath(history)}`);
  console.log(`  corridor      ${formatId(history.corridorId)} via ${formatId(record.provider)}`);
  console.log(`  from -> to    ${formatId(record.sendingTenant)} -> ${formatId(record.receivingTenant)}`);
  console.log(`  amount        ${formatAmount(record.sourceAmount, source)} + fee ${formatAmount(record.fee, source)}`);
  console.log(`  payout        ${formatAmount(record.destinationAmount, destination)}`);
  console.log(`  deadline      ${formatTime(record.deadline)}`);
  console.log(`  recipient     ${history.recipientHash}`);
  console.log(`  compliance    ${history.complianceHash}`);
  console.log(`  initiated     tx ${history.initiated.txHash}`);
  if (history.final !== undefined) {
    const detail =
      history.final.payoutRef !== undefined
        ? `, payout ref ${history.final.payoutRef}`
        : history.final.reasonCode !== undefined
          ? `, reason ${history.final.reasonCode}`
          : "";
    console.log(`  ${history.final.status.padEnd(13)} tx ${history.final.txHash}${detail}`);
  }
});
