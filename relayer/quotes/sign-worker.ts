/**
 * A signing thread of the quote service: holds the provider's key and signs EIP-712 digests, so ECDSA
 * work never runs on the HTTP event loop. It also recovers the signer from each signature it made (the
 * pool checks it against the provider's address): the recovery is as costly as the signing, so it belongs
 * here too. Messages: `{ id, digest }` → `{ id, signature, signer }` or `{ id, error }`.
 */
import { parentPort, workerData } from "node:worker_threads";

import { computeAddress, SigningKey } from "ethers";

const key = new SigningKey((workerData as { privateKey: string }).privateKey);

parentPort!.on("message", (message: { id: number; digest: string }) => {
  try {
    const signature = key.sign(message.digest).serialized;
    const signer = computeAddress(SigningKey.recoverPublicKey(message.digest, signature));
    parentPort!.postMessage({ id: message.id, signature, signer });
  } catch (error) {
    parentPort!.postMessage({ id: message.id, error: error instanceof Error ? error.message : String(error) });
  }
});
