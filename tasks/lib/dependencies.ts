import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { openContext, type ContextOptions, type TaskContext } from "./context.js";
import { consolePrinter, type Printer } from "./errors.js";

/**
 * What a task body needs besides its options: a context (deployment proven against the node, signer,
 * typed handles) and a printer. The default export of each action builds them from `hre`
 * (`hreDependencies`); a unit test passes its own, so the body runs without the command line.
 */
export interface ActionDependencies {
  openContext(): Promise<TaskContext>;
  print: Printer;
}

/** The dependencies of a task run from the command line: the context of `--network`/`--from`, the console. */
export function hreDependencies(hre: HardhatRuntimeEnvironment, options: ContextOptions): ActionDependencies {
  return { openContext: () => openContext(hre, options), print: consolePrinter };
}
