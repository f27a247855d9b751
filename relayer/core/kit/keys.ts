import { readFileSync } from "node:fs";

import { Wallet } from "ethers";

import { KeystoreError } from "./errors.js";

export interface SignerSource {
  /** An encrypted JSON keystore (Web3 Secret Storage); its password comes from `passwordEnv`. */
  keystoreFile?: string;
  /** The environment variable holding the keystore password. */
  passwordEnv: string;
  /** When there is no keystore: the environment variable holding a 0x-prefixed private key. */
  privateKeyEnv: string;
  env: NodeJS.ProcessEnv;
}

/**
 * The service's signing key, from an encrypted keystore or the environment. Errors name the file and the
 * variable, never the password or the key; callers log `wallet.address` only (the logger redacts the rest).
 */
export async function loadSigner(source: SignerSource): Promise<Wallet> {
  if (source.keystoreFile !== undefined) {
    const password = source.env[source.passwordEnv];
    if (password === undefined || password === "") {
      throw new KeystoreError(`keystore ${source.keystoreFile}: set its password in ${source.passwordEnv}`);
    }
    let json: string;
    try {
      json = readFileSync(source.keystoreFile, "utf8");
    } catch (error) {
      throw new KeystoreError(
        `keystore ${source.keystoreFile} cannot be read: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
      );
    }
    try {
      // A keystore may hold an HD node; the service only needs its key.
      const decrypted = await Wallet.fromEncryptedJson(json, password);
      return new Wallet(decrypted.privateKey);
    } catch (error) {
      const wrong = error instanceof Error && /incorrect password/i.test(error.message);
      throw new KeystoreError(
        wrong
          ? `keystore ${source.keystoreFile}: wrong password in ${source.passwordEnv}`
          : `keystore ${source.keystoreFile} is not a valid encrypted JSON keystore`,
      );
    }
  }
  const key = source.env[source.privateKeyEnv];
  if (key === undefined || key === "") {
    throw new KeystoreError(`no signing key: give a keystore file or set ${source.privateKeyEnv}`);
  }
  // The cause is dropped on purpose: ethers quotes the offending value in its message.
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) {
    throw new KeystoreError(`${source.privateKeyEnv} is not a 0x-prefixed 32-byte hex private key`);
  }
  try {
    return new Wallet(key);
  } catch {
    throw new KeystoreError(`${source.privateKeyEnv} is not a valid secp256k1 private key`);
  }
}
