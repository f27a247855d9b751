import { BaseError, type BaseErrorOptions } from "../../client/errors.js";
import { classifyError } from "../../client/revert.js";

/**
 * An error caused by what the user asked for (a bad argument, an unknown tenant). Tasks print its
 * message alone, without a stack trace, and send nothing. Client errors (refusals, reverts, deployment
 * mismatches) print the same way.
 */
export class TaskUserError extends BaseError {
  override name = "TaskUserError";
  override readonly code = "INVALID_ARGUMENT";

  constructor(message: string, options: BaseErrorOptions = {}) {
    super(message, options);
  }
}

/** Where a task writes: its lines, and the error line. Tests pass their own to capture output. */
export interface Printer {
  line(text: string): void;
  error(text: string): void;
}

export const consolePrinter: Printer = {
  line: (text) => console.log(text),
  error: (text) => console.error(text),
};

/**
 * Wraps a task action so that any platform error (argument, refusal, decoded revert, deployment
 * mismatch, transport) prints as a readable line on stderr, with what to do next, and sets a failing
 * exit code; anything unexpected still surfaces with its stack.
 */
export function userFacing<ArgsT, HreT>(
  action: (args: ArgsT, hre: HreT) => Promise<void>,
): (args: ArgsT, hre: HreT) => Promise<void> {
  return async (args, hre) => {
    try {
      await action(args, hre);
    } catch (error) {
      const classified = classifyError(error);
      if (classified instanceof BaseError) {
        console.error(`Error: ${classified.shortMessage}`);
        for (const line of classified.metaMessages) console.error(`  ${line}`);
        process.exitCode = 1;
        return;
      }
      throw error;
    }
  };
}
