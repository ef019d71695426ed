import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig, toSecretKeyConfig } from "../config/config.js";
import { OperatorError } from "../shared/operator-error.js";
import {
  type CredentialBinding,
  decryptCredential,
  encryptCredential,
  findCredentialKeyId,
  GENERATED_KEY_FILE,
  KeyRing,
  loadKeyRing,
} from "./credential-encryption.js";

const TENANT_A = "0b8e1f3a-1111-4a4a-8a8a-000000000001";
const TENANT_B = "0b8e1f3a-2222-4a4a-8a8a-000000000002";
const SECRET = "Xk9~Q.very-secret-client-value_1234567890";
const binding: CredentialBinding = { tenantId: TENANT_A, purpose: "graph_client_secret" };
const key = (id: string) => toSecretKeyConfig(id, randomBytes(32));

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return error instanceof OperatorError ? error.code : `not an OperatorError: ${String(error)}`;
  }
  return undefined;
}

describe("encryptCredential / decryptCredential", () => {
  const ring = new KeyRing([key("k2")]);

  it("round-trips and records the key id, never the plaintext", () => {
    const stored = encryptCredential(ring, SECRET, binding);
    expect(stored).not.toContain(SECRET);
    expect(findCredentialKeyId(stored)).toBe("k2");
    expect(decryptCredential(ring, stored, binding)).toBe(SECRET);
  });

  it("uses a fresh IV each time", () => {
    expect(encryptCredential(ring, SECRET, binding)).not.toBe(encryptCredential(ring, SECRET, binding));
  });

  it("refuses a ciphertext bound to another tenant or purpose", () => {
    const stored = encryptCredential(ring, SECRET, binding);
    expect(codeOf(() => decryptCredential(ring, stored, { ...binding, tenantId: TENANT_B }))).toBe(
      "credential_undecryptable",
    );
    expect(
      codeOf(() => decryptCredential(ring, stored, { ...binding, purpose: "graph_certificate_private_key" })),
    ).toBe("credential_undecryptable");
  });

  it.each([
    ["a flipped ciphertext byte", (parts: string[]) => flip(parts, 5)],
    ["a flipped tag byte", (parts: string[]) => flip(parts, 4)],
    ["a flipped IV byte", (parts: string[]) => flip(parts, 3)],
    ["a truncated ciphertext", (parts: string[]) => parts.with(5, (parts[5] ?? "").slice(0, -2))],
    ["a short tag", (parts: string[]) => parts.with(4, (parts[4] ?? "").slice(0, 8))],
    ["a missing part", (parts: string[]) => parts.slice(0, 5)],
    ["another format version", (parts: string[]) => parts.with(1, "v2")],
  ])("detects tampering: %s", (_name, tamper) => {
    const stored = encryptCredential(ring, SECRET, binding);
    expect(codeOf(() => decryptCredential(ring, tamper(stored.split(":")).join(":"), binding))).toBe(
      "credential_undecryptable",
    );
  });

  it("says the key is missing when the stored key id is not in the ring, and when the ring is empty", () => {
    const stored = encryptCredential(ring, SECRET, binding);
    expect(codeOf(() => decryptCredential(new KeyRing([key("other")]), stored, binding))).toBe(
      "credential_key_missing",
    );
    expect(codeOf(() => encryptCredential(new KeyRing([]), SECRET, binding))).toBe("credential_key_missing");
  });

  it("fails authentication with a different key under the same id", () => {
    const stored = encryptCredential(ring, SECRET, binding);
    expect(codeOf(() => decryptCredential(new KeyRing([key("k2")]), stored, binding))).toBe("credential_undecryptable");
  });

  it("relabelling the key id to another key in the ring fails (the key id is authenticated)", () => {
    const k1 = key("k1");
    const k2 = key("k2");
    const both = new KeyRing([k2, { ...k1, key: k2.key }].map((k) => toSecretKeyConfig(k.keyId, k.key)));
    const stored = encryptCredential(both, SECRET, binding);
    expect(codeOf(() => decryptCredential(both, stored.replace(":k2:", ":k1:"), binding))).toBe(
      "credential_undecryptable",
    );
  });

  it("decrypts with an old key after the ring gained a new current key", () => {
    const old = key("old");
    const stored = encryptCredential(new KeyRing([old]), SECRET, binding);
    const rotated = new KeyRing([key("new"), old]);
    expect(decryptCredential(rotated, stored, binding)).toBe(SECRET);
    expect(findCredentialKeyId(encryptCredential(rotated, SECRET, binding))).toBe("new");
  });

  it("never serialises key material", () => {
    const k = key("k9");
    const text = JSON.stringify({ ring: new KeyRing([k]), key: k });
    expect(text).not.toContain(k.key.toString("base64"));
    expect(text).toContain("k9");
  });
});

function flip(parts: string[], index: number): string[] {
  const bytes = Buffer.from(parts[index] ?? "", "base64url");
  bytes[0] = (bytes[0] ?? 0) ^ 1;
  return parts.with(index, bytes.toString("base64url"));
}

describe("TENANTPILOT_SECRET_KEYS", () => {
  it("parses keys, current first", () => {
    const a = randomBytes(32).toString("base64");
    const b = randomBytes(32).toString("base64");
    const config = loadConfig({ TENANTPILOT_SECRET_KEYS: `new:${a}, old:${b}` });
    expect(config.secretKeys.map((k) => k.keyId)).toEqual(["new", "old"]);
    expect(config.secretKeys[0]?.key.toString("base64")).toBe(a);
    expect(JSON.stringify(config)).not.toContain(a);
  });

  it.each([
    ["no separator", "abc"],
    ["bad id", `a b:${randomBytes(32).toString("base64")}`],
    ["short key", `k:${randomBytes(16).toString("base64")}`],
    ["not base64", "k:@@@@"],
    ["duplicate id", `k:${randomBytes(32).toString("base64")},k:${randomBytes(32).toString("base64")}`],
  ])("rejects %s without echoing the value", (_name, value) => {
    expect(() => loadConfig({ TENANTPILOT_SECRET_KEYS: value })).toThrow(/TENANTPILOT_SECRET_KEYS/);
    try {
      loadConfig({ TENANTPILOT_SECRET_KEYS: value });
    } catch (error) {
      const keyText = value.split(":")[1]?.split(",")[0] ?? "";
      if (keyText.length > 8) expect((error as Error).message).not.toContain(keyText);
    }
  });
});

describe("loadKeyRing", () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "tp-keys-"));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const logs: unknown[] = [];
  const logger = { info: (...args: unknown[]) => logs.push(args), warn: (...args: unknown[]) => logs.push(args) };

  it("generates a key once into the data dir (0600) for the embedded default, and logs that without the key", async () => {
    const dataDir = path.join(tempDir(), "data");
    logs.length = 0;
    const first = await loadKeyRing({ secretKeys: [], dataDir, databaseUrl: undefined }, logger as never);
    const file = path.join(dataDir, GENERATED_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(logs).toHaveLength(1);
    const keyText = readFileSync(file, "utf8").trim().split(":")[1] ?? "";
    expect(JSON.stringify(logs)).not.toContain(keyText);
    const second = await loadKeyRing({ secretKeys: [], dataDir, databaseUrl: undefined }, logger as never);
    expect(logs).toHaveLength(1);
    const stored = encryptCredential(first, SECRET, binding);
    expect(decryptCredential(second, stored, binding)).toBe(SECRET);
  });

  it("with DATABASE_URL and no keys, generates nothing and storing asks for configuration", async () => {
    const dataDir = tempDir();
    const ring = await loadKeyRing({ secretKeys: [], dataDir, databaseUrl: "postgres://x/y" }, logger as never);
    expect(ring.keyIds).toEqual([]);
    expect(codeOf(() => encryptCredential(ring, SECRET, binding))).toBe("credential_key_missing");
  });

  it("keeps a generated key file decrypt-only once keys are configured", async () => {
    const dataDir = tempDir();
    const generated = await loadKeyRing({ secretKeys: [], dataDir, databaseUrl: undefined }, logger as never);
    const stored = encryptCredential(generated, SECRET, binding);
    const configured = await loadKeyRing(
      { secretKeys: [key("prod")], dataDir, databaseUrl: undefined },
      logger as never,
    );
    expect(configured.keyIds).toEqual(["prod", "local"]);
    expect(decryptCredential(configured, stored, binding)).toBe(SECRET);
  });
});
