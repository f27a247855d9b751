/**
 * An error caused by what the user asked for (a bad argument, an unknown tenant, a call the contract
 * would reject). Tasks print its message alone, without a stack trace, and send nothing.
 */
export class TaskUserError extends Error {
  override name = "TaskUserError";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Wraps a task action so that a `TaskUserError` prints as a readable line on stderr and sets a failing
 * exit code, while anything unexpected still surfaces with its stack.
 */
export function userFacing<ArgsT, HreT>(
  action: (args: ArgsT, hre: HreT) => Promise<void>,
): (args: ArgsT, hre: HreT) => Promise<void> {
  return async (args, hre) => {
    try {
      await action(args, hre);
    } catch (error) {
      if (error instanceof TaskUserError) {
        console.error(`Error: ${error.message}`);
        process.exitCode = 1;
        return;
      }
      throw error;
    }
  };
}
