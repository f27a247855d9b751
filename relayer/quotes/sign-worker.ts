/**
 * A signing thread of the quote service: holds the provider's key and signs EIP-712 digests, so ECDSA
 * work never runs on the HTTP event loop. Messages: `{ id, digest }` → `{ id, signature }` or `{ id, error }`.
 */
import { parentPort, workerData } from "node:worker_threads";

import { SigningKey } from "ethers";

const key = new SigningKey((workerData as { privateKey: string }).privateKey);

parentPort!.on("message", (message: { id: number; digest: string }) => {
  try {
    parentPort!.postMessage({ id: message.id, signature: key.sign(message.digest).serialized });
  } catch (error) {
    parentPort!.postMessage({ id: message.id, error: error instanceof Error ? error.message : String(error) });
  }
});
