/** The listener's failures, each with a stable code. */
export class ListenerError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The chain replaced blocks below the oldest block hash the listener kept: an operator must look. */
export class ReorgTooDeepError extends ListenerError {
  constructor(subscription: string, checkpoint: number, oldestKept: number | undefined) {
    super(
      "LISTENER_REORG_TOO_DEEP",
      `subscription ${subscription}: the chain no longer holds checkpoint block ${checkpoint} and no kept block ` +
        `down to ${oldestKept ?? "none"} matches; raise reorgWindow or confirmations`,
    );
  }
}

/** A reorg removed an event whose subscription has no `undo`: its effect cannot be taken back. */
export class UndoUnsupportedError extends ListenerError {
  constructor(subscription: string, blockNumber: number, logIndex: number) {
    super(
      "LISTENER_UNDO_UNSUPPORTED",
      `subscription ${subscription}: a reorg removed the event at block ${blockNumber} log ${logIndex} and the ` +
        `subscription has no undo; give it one or enough confirmations`,
    );
  }
}

/** Another writer moved the checkpoint while this listener worked: its page is rolled back. */
export class CheckpointMovedError extends ListenerError {
  constructor(subscription: string) {
    super("LISTENER_CHECKPOINT_MOVED", `subscription ${subscription}: checkpoint moved under this listener`);
  }
}

/** The node refuses even a one-block log query. */
export class LogQueryError extends ListenerError {
  constructor(subscription: string, block: number, cause: unknown) {
    super("LISTENER_LOG_QUERY_FAILED", `subscription ${subscription}: logs of block ${block} cannot be read`, {
      cause,
    });
  }
}

/** The chain kept changing under the listener's reads; the step is retried later. */
export class ChainUnstableError extends ListenerError {
  constructor(subscription: string, rereads: number) {
    super("LISTENER_CHAIN_UNSTABLE", `subscription ${subscription}: chain moved under ${rereads} reads in a row`);
  }
}
