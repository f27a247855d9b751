import { ServiceError } from "../core/kit/errors.js";

export class UnknownReceivingOperatorError extends ServiceError {
  constructor(operator: string) {
    super(422, "unknown_receiving_operator", `no corridor to receiving operator "${operator}"`);
  }
}
export class QuoteRefusedError extends ServiceError {
  constructor(code: string, message: string) {
    super(422, code, message);
  }
}
export class UpstreamUnavailableError extends ServiceError {
  constructor(what: string) {
    super(503, "upstream_unavailable", `${what} cannot be reached at the moment; nothing was stored`);
  }
}
export class UnknownRemittanceError extends ServiceError {
  constructor(id: string) {
    super(404, "unknown_remittance", `no remittance ${id}`);
  }
}
export class SendingDisabledError extends ServiceError {
  constructor() {
    super(422, "sending_disabled", "this relayer is not configured to send remittances");
  }
}
