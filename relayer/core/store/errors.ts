/** The store's failures, each with a stable code the service layer can map. */
export class StoreError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The database was migrated by a newer version of the code than the one running. */
export class SchemaTooNewError extends StoreError {
  constructor(
    readonly component: string,
    readonly recorded: number,
    readonly known: number,
  ) {
    super(
      "STORE_SCHEMA_TOO_NEW",
      `schema of "${component}" is at version ${recorded}, this code knows up to ${known}: refusing to run on it`,
    );
  }
}

/** The migrations handed to `migrate` are not numbered 1, 2, 3, ... */
export class InvalidMigrationsError extends StoreError {
  constructor(component: string, detail: string) {
    super("STORE_INVALID_MIGRATIONS", `migrations of "${component}": ${detail}`);
  }
}

/** A statement was issued on a store that is closed, or outside the transaction that owned it. */
export class StoreClosedError extends StoreError {
  constructor(message = "store is closed") {
    super("STORE_CLOSED", message);
  }
}

/** `run` was called inside `read()`: writes belong in `tx()`. */
export class ReadOnlyScopeError extends StoreError {
  constructor() {
    super("STORE_READ_ONLY", "a read may not write: use tx()");
  }
}

/**
 * A write transaction kept losing serialization conflicts with concurrent ones (PostgreSQL) and was given
 * up on after its bounded attempts; nothing of it committed, so the caller may simply try again.
 */
export class StoreConflictError extends StoreError {
  constructor(
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super("STORE_CONFLICT", `transaction lost ${attempts} serialization conflicts in a row: given up`, options);
  }
}
