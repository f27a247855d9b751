/**
 * Webhook signatures in the Standard Webhooks scheme (https://www.standardwebhooks.com): the sender signs
 * `<webhook-id>.<webhook-timestamp>.<raw body>` with HMAC-SHA256 under each active secret and sends
 * `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature` (`v1,<base64>` entries separated
 * by spaces). Receivers verify against the raw bytes they got, never against re-serialized JSON.
 * Depends on node:crypto only, so any backend can import it.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const WEBHOOK_ID_HEADER = "webhook-id";
export const WEBHOOK_TIMESTAMP_HEADER = "webhook-timestamp";
export const WEBHOOK_SIGNATURE_HEADER = "webhook-signature";

const SECRET_PREFIX = "whsec_";
const SIGNATURE_VERSION = "v1";
// Standard Webhooks ids are short opaque strings; refusing anything else keeps the signed content unambiguous.
const MESSAGE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export type WebhookErrorCode =
  | "webhook_invalid_secret"
  | "webhook_missing_header"
  | "webhook_invalid_timestamp"
  | "webhook_timestamp_too_old"
  | "webhook_timestamp_too_new"
  | "webhook_bad_signature";

/** Every verification failure; `code` is stable and machine-readable, the message never quotes a secret. */
export class WebhookVerificationError extends Error {
  constructor(
    readonly code: WebhookErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class WebhookSecretError extends WebhookVerificationError {
  constructor(message: string) {
    super("webhook_invalid_secret", message);
  }
}

export class WebhookMissingHeaderError extends WebhookVerificationError {
  constructor(readonly header: string) {
    super("webhook_missing_header", `missing ${header} header`);
  }
}

export class WebhookInvalidTimestampError extends WebhookVerificationError {
  constructor() {
    super("webhook_invalid_timestamp", "webhook-timestamp is not a whole number of seconds");
  }
}

/** The timestamp is further in the past than the tolerance: a replay, or a message held too long. */
export class WebhookStaleTimestampError extends WebhookVerificationError {
  constructor(
    readonly timestamp: number,
    readonly now: number,
  ) {
    super("webhook_timestamp_too_old", `webhook-timestamp ${timestamp} is ${now - timestamp} s old`);
  }
}

/** The timestamp is further in the future than the tolerance: a clock problem or a forged header. */
export class WebhookFutureTimestampError extends WebhookVerificationError {
  constructor(
    readonly timestamp: number,
    readonly now: number,
  ) {
    super("webhook_timestamp_too_new", `webhook-timestamp ${timestamp} is ${timestamp - now} s in the future`);
  }
}

export class WebhookSignatureError extends WebhookVerificationError {
  constructor(message = "no signature matches any active secret") {
    super("webhook_bad_signature", message);
  }
}

// A type alias, not an interface: it then fits `HeaderSource` and fetch's `HeadersInit` as it is.
export type WebhookHeaders = {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
};

export interface SignWebhookParams {
  /** The message id: fixed when the message is created and the same on every retry. */
  id: string;
  /** Unix seconds of this attempt (a Date is converted). */
  timestamp: number | Date;
  /** The exact body that will be sent. */
  body: string | Uint8Array;
  /** Active secrets (`whsec_<base64>`); during a rotation both the old and the new one. */
  secrets: string | readonly string[];
}

/** Decodes `whsec_<base64>` into the HMAC key; the prefix is optional as in the reference libraries. */
export function parseWebhookSecret(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw new WebhookSecretError("a webhook secret is not base64");
  const key = Buffer.from(encoded, "base64");
  // Shorter keys make HMAC-SHA256 guessable; the reference libraries generate 24 to 64 bytes.
  if (key.length < 16 || key.length > 128) {
    throw new WebhookSecretError("a webhook secret must decode to 16..128 bytes");
  }
  return key;
}

function asList(secrets: string | readonly string[]): readonly string[] {
  const list = typeof secrets === "string" ? [secrets] : secrets;
  if (list.length === 0) throw new WebhookSecretError("no webhook secret given");
  return list;
}

function toSeconds(timestamp: number | Date): number {
  const seconds = timestamp instanceof Date ? Math.floor(timestamp.getTime() / 1000) : timestamp;
  if (!Number.isSafeInteger(seconds) || seconds < 0) throw new WebhookInvalidTimestampError();
  return seconds;
}

function hmac(key: Buffer, id: string, timestamp: number, body: string | Uint8Array): Buffer {
  return createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest();
}

/** The three headers for one delivery attempt. */
export function signWebhook(params: SignWebhookParams): WebhookHeaders {
  // A caller bug, not a verification failure: the id is chosen by the sender.
  if (!MESSAGE_ID.test(params.id)) throw new TypeError("a webhook id is 1..128 characters of [A-Za-z0-9._:-]");
  const timestamp = toSeconds(params.timestamp);
  const signatures = asList(params.secrets).map(
    (secret) =>
      `${SIGNATURE_VERSION},${hmac(parseWebhookSecret(secret), params.id, timestamp, params.body).toString("base64")}`,
  );
  return {
    "webhook-id": params.id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": signatures.join(" "),
  };
}

export interface VerifyWebhookOptions {
  /** How far the timestamp may be from now, either way, in seconds (default 300, as the standard suggests). */
  toleranceSeconds?: number;
  /** The current time in Unix seconds (or a Date); tests pin it. */
  now?: number | Date;
}

export interface VerifiedWebhook {
  id: string;
  timestamp: number;
}

/** Headers as node's IncomingHttpHeaders, a fetch `Headers`, or a plain record; names are case-insensitive. */
export type HeaderSource = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Verifies one received webhook against the raw body. Checks the headers, then the timestamp window
 * (refusing replays of old messages), then that some `v1` signature matches some secret. Comparisons
 * take constant time. Throws a `WebhookVerificationError`; returns the message id to deduplicate on.
 */
export function verifyWebhook(
  headers: HeaderSource,
  rawBody: string | Uint8Array,
  secrets: string | readonly string[],
  options: VerifyWebhookOptions = {},
): VerifiedWebhook {
  const keys = asList(secrets).map(parseWebhookSecret);
  const id = header(headers, WEBHOOK_ID_HEADER);
  const timestampText = header(headers, WEBHOOK_TIMESTAMP_HEADER);
  const signatureText = header(headers, WEBHOOK_SIGNATURE_HEADER);
  if (id === undefined || id === "") throw new WebhookMissingHeaderError(WEBHOOK_ID_HEADER);
  if (timestampText === undefined || timestampText === "")
    throw new WebhookMissingHeaderError(WEBHOOK_TIMESTAMP_HEADER);
  if (signatureText === undefined || signatureText === "")
    throw new WebhookMissingHeaderError(WEBHOOK_SIGNATURE_HEADER);
  if (!MESSAGE_ID.test(id)) throw new WebhookSignatureError("webhook-id is not a valid message id");
  if (!/^\d{1,12}$/.test(timestampText)) throw new WebhookInvalidTimestampError();

  const timestamp = Number(timestampText);
  const now = options.now === undefined ? Math.floor(Date.now() / 1000) : toSeconds(options.now);
  const tolerance = options.toleranceSeconds ?? 300;
  if (now - timestamp > tolerance) throw new WebhookStaleTimestampError(timestamp, now);
  if (timestamp - now > tolerance) throw new WebhookFutureTimestampError(timestamp, now);

  const presented = signatureText
    .split(" ")
    .filter((entry) => entry.startsWith(`${SIGNATURE_VERSION},`))
    .map((entry) => Buffer.from(entry.slice(SIGNATURE_VERSION.length + 1), "base64"));
  // Every pair is compared, so the time taken does not reveal which secret or entry matched.
  let matched = false;
  for (const key of keys) {
    const expected = hmac(key, id, timestamp, rawBody);
    for (const candidate of presented) {
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) matched = true;
    }
  }
  if (!matched) throw new WebhookSignatureError();
  return { id, timestamp };
}
