/**
 * Encryption at rest of stored credentials (client secrets, certificate private keys): AES-256-GCM
 * from node:crypto with a random 96-bit IV per encryption, the auth tag checked on decrypt, and
 * additional authenticated data binding each ciphertext to its tenant and purpose, so a ciphertext
 * copied to another row fails to decrypt. Keys come from configuration (TENANTPILOT_SECRET_KEYS) as a
 * key ring: the first key encrypts, the others only decrypt, and the stored form names its key.
 * @module
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import { type SecretKeyConfig, toSecretKeyConfig } from "../config/config.js";
import { OperatorError } from "../shared/operator-error.js";

/** What a stored credential is for; part of its AAD. */
export type CredentialPurpose = "graph_client_secret" | "graph_certificate_private_key";

/** The row a ciphertext belongs to: a ciphertext only decrypts with the binding it was made with. */
export interface CredentialBinding {
  tenantId: string;
  purpose: CredentialPurpose;
}

/**
 * Keys that encrypt and decrypt stored credentials. The first is current (encrypts); the rest only
 * decrypt. Serialises without key material, so logging it is harmless.
 */
export class KeyRing {
  readonly #keys: readonly SecretKeyConfig[];

  constructor(keys: readonly SecretKeyConfig[]) {
    const ids = new Set<string>();
    for (const entry of keys) {
      if (entry.key.length !== KEY_BYTES) throw new Error(`key ${entry.keyId} is not ${KEY_BYTES} bytes`);
      if (ids.has(entry.keyId)) throw new Error(`key id ${entry.keyId} appears twice in the key ring`);
      ids.add(entry.keyId);
    }
    this.#keys = Object.freeze([...keys]);
  }

  /** Id of the key that encrypts, or undefined when the ring is empty. */
  get currentKeyId(): string | undefined {
    return this.#keys[0]?.keyId;
  }

  /** Every key id, current first. */
  get keyIds(): string[] {
    return this.#keys.map((entry) => entry.keyId);
  }

  /** @internal the key with `keyId`. */
  findKey(keyId: string): Buffer | undefined {
    return this.#keys.find((entry) => entry.keyId === keyId)?.key;
  }

  /** @internal the current key. @throws {OperatorError} credential_key_missing – the ring is empty */
  currentKey(): { keyId: string; key: Buffer } {
    const current = this.#keys[0];
    if (!current) {
      throw new OperatorError(
        "credential_key_missing",
        "No credential encryption key: set TENANTPILOT_SECRET_KEYS (keyId:base64 of 32 random bytes).",
        { detail: "Set TENANTPILOT_SECRET_KEYS (keyId:base64 of 32 random bytes)." },
      );
    }
    return current;
  }

  toJSON(): { keyIds: string[] } {
    return { keyIds: this.keyIds };
  }
}

/** AES-256 key size, bytes. */
const KEY_BYTES = 32;
/** GCM IV size recommended by NIST SP 800-38D, bytes. */
const IV_BYTES = 12;
/** GCM tag size, bytes (the full 128 bits). */
const TAG_BYTES = 16;
const FORMAT = "tpenc";
const VERSION = "v1";
/** Name of the key file generated in the data directory for the embedded default. */
export const GENERATED_KEY_FILE = "secret-key";
const GENERATED_KEY_ID = "local";

function toAad(keyId: string, binding: CredentialBinding): Buffer {
  // The format version and key id are authenticated too: a header edited to point at another key fails.
  return Buffer.from(`${FORMAT}:${VERSION}:${keyId}:${binding.tenantId}:${binding.purpose}`, "utf8");
}

/**
 * Encrypt `plaintext` with the ring's current key for the row `binding` names.
 * @returns `tpenc:v1:<keyId>:<iv>:<tag>:<ciphertext>` (base64url parts)
 * @throws {OperatorError} credential_key_missing – no key configured
 */
export function encryptCredential(keyRing: KeyRing, plaintext: string, binding: CredentialBinding): string {
  const { keyId, key } = keyRing.currentKey();
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(toAad(keyId, binding));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [
    FORMAT,
    VERSION,
    keyId,
    iv.toString("base64url"),
    tag.toString("base64url"),
    ciphertext.toString("base64url"),
  ].join(":");
}

/** The key id a stored ciphertext names, or undefined when it is not in the stored format. */
export function findCredentialKeyId(stored: string): string | undefined {
  const parts = stored.split(":");
  return parts.length === 6 && parts[0] === FORMAT && parts[1] === VERSION ? parts[2] : undefined;
}

/**
 * Decrypt a stored credential made by {@link encryptCredential} for the same `binding`.
 * @throws {OperatorError} credential_key_missing – the key it names is not in the ring;
 *   credential_undecryptable – malformed, tampered with, or made for another tenant or purpose
 */
export function decryptCredential(keyRing: KeyRing, stored: string, binding: CredentialBinding): string {
  const parts = stored.split(":");
  const [format, version, keyId, ivText, tagText, ciphertextText] = parts;
  if (
    parts.length !== 6 ||
    format !== FORMAT ||
    version !== VERSION ||
    !keyId ||
    ivText === undefined ||
    tagText === undefined ||
    ciphertextText === undefined
  ) {
    throw new OperatorError(
      "credential_undecryptable",
      `stored ${binding.purpose} is not in the ${FORMAT}:${VERSION} format`,
    );
  }
  const key = keyRing.findKey(keyId);
  if (key === undefined) {
    throw new OperatorError(
      "credential_key_missing",
      `stored ${binding.purpose} of tenant ${binding.tenantId} was encrypted with key "${keyId}", which is not in TENANTPILOT_SECRET_KEYS (configured: ${keyRing.keyIds.join(", ") || "none"})`,
      { detail: `It was encrypted with key "${keyId}", which TENANTPILOT_SECRET_KEYS does not hold.` },
    );
  }
  const iv = Buffer.from(ivText, "base64url");
  const tag = Buffer.from(tagText, "base64url");
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new OperatorError("credential_undecryptable", `stored ${binding.purpose} has a malformed IV or tag`);
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(toAad(keyId, binding));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(ciphertextText, "base64url")), decipher.final()]).toString(
      "utf8",
    );
  } catch (error) {
    // GCM's final() throws "Unsupported state or unable to authenticate data": nothing secret in it.
    throw new OperatorError(
      "credential_undecryptable",
      `stored ${binding.purpose} of tenant ${binding.tenantId} failed authentication with key "${keyId}" (tampered, copied from another tenant, or a different key with the same id)`,
      { cause: error },
    );
  }
}

/**
 * The key ring of a process: the configured keys (current first); with none configured and the
 * embedded database, a key generated once into `dataDir/secret-key` (mode 0600) — logged that it
 * happened, never the key. A key file left from the embedded default stays usable for decryption
 * after keys are configured, so `rotate-secret-key` can move its credentials to the new key.
 * With DATABASE_URL and no keys, the ring is empty: several machines may share that database and a
 * per-machine key would strand their credentials, so storing one asks for configuration instead.
 */
export async function loadKeyRing(
  config: { secretKeys: readonly SecretKeyConfig[]; dataDir: string; databaseUrl: string | undefined },
  logger: Pick<Logger, "info" | "warn">,
): Promise<KeyRing> {
  const file = path.join(config.dataDir, GENERATED_KEY_FILE);
  const fromFile = await readKeyFile(file);
  if (config.secretKeys.length > 0) {
    const extra = fromFile && !config.secretKeys.some((key) => key.keyId === fromFile.keyId) ? [fromFile] : [];
    return new KeyRing([...config.secretKeys, ...extra]);
  }
  if (fromFile) return new KeyRing([fromFile]);
  if (config.databaseUrl !== undefined) return new KeyRing([]);
  const generated = toSecretKeyConfig(GENERATED_KEY_ID, randomBytes(KEY_BYTES));
  await mkdir(config.dataDir, { recursive: true });
  try {
    // wx: two processes starting at once must not both write a key; the loser reads the winner's.
    await writeFile(file, `${generated.keyId}:${generated.key.toString("base64")}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      const other = await readKeyFile(file);
      if (other) return new KeyRing([other]);
    }
    throw new Error(`could not write the credential encryption key file ${file}`, { cause: error });
  }
  logger.info(
    { file, keyId: generated.keyId },
    "generated a credential encryption key (no TENANTPILOT_SECRET_KEYS configured); back up this file with the database",
  );
  return new KeyRing([generated]);
}

/** The key in a generated key file, or undefined when there is none. @throws {Error} when it is malformed */
async function readKeyFile(file: string): Promise<SecretKeyConfig | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new Error(`could not read the credential encryption key file ${file}`, { cause: error });
  }
  const match = /^([A-Za-z0-9_-]{1,40}):([A-Za-z0-9+/]+={0,2})\s*$/.exec(text);
  const key = match ? Buffer.from(match[2] ?? "", "base64") : undefined;
  if (!match?.[1] || key?.length !== KEY_BYTES) {
    throw new Error(`the credential encryption key file ${file} is malformed (expected keyId:base64 of 32 bytes)`);
  }
  return toSecretKeyConfig(match[1], key);
}
