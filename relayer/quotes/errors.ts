import { ServiceError } from "../core/kit/errors.js";

/** The quote service's refusals, each with a stable code. */
export class UnknownCorridorError extends ServiceError {
  constructor(corridor: string) {
    super(422, "unknown_corridor", `this provider quotes no corridor "${corridor}"`);
  }
}

export class AmountOutOfRangeError extends ServiceError {
  constructor(amount: bigint, min: bigint, max: bigint) {
    super(422, "amount_out_of_range", `amount ${amount} is outside the corridor's limits [${min}, ${max}]`, {
      details: { min: min.toString(), max: max.toString() },
    });
  }
}

export class InsufficientLiquidityError extends ServiceError {
  constructor(available: bigint, needed: bigint) {
    super(422, "insufficient_liquidity", "the provider cannot promise this amount now", {
      details: { available: available.toString(), needed: needed.toString() },
    });
  }
}

export class RateUnavailableError extends ServiceError {
  constructor(corridor: string) {
    super(503, "rate_unavailable", `no rate for corridor "${corridor}" at the moment`);
  }
}

export class ChainUnavailableError extends ServiceError {
  constructor(cause: unknown) {
    super(503, "chain_unavailable", "the node cannot be read at the moment", { cause });
  }
}

export class UnknownQuoteError extends ServiceError {
  constructor(id: string) {
    super(404, "unknown_quote", `no quote ${id}`);
  }
}
