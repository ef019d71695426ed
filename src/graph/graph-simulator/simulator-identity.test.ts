import { createHash, createSign, X509Certificate } from "node:crypto";
import { generate } from "selfsigned";
import { beforeAll, describe, expect, it } from "vitest";
import { findClientAssertionProblem, redeemClientCredentials, type SimulatedAppOptions } from "./simulator-identity.js";

const ENDPOINT = "https://127.0.0.1:4443/t/oauth2/v2.0/token";
const NOW = new Date("2025-06-01T12:00:00Z");
let app: SimulatedAppOptions;
let privateKey = "";
let x5t = "";

function assertion(
  payload: Record<string, unknown>,
  header: Record<string, unknown> = { alg: "RS256", typ: "JWT", x5t },
) {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const signed = `${encode(header)}.${encode(payload)}`;
  const signature = createSign("sha256").update(signed).sign(privateKey).toString("base64url");
  return `${signed}.${signature}`;
}

const validPayload = () => ({
  aud: ENDPOINT,
  iss: app.clientId,
  sub: app.clientId,
  jti: "1",
  nbf: NOW.getTime() / 1000 - 10,
  exp: NOW.getTime() / 1000 + 600,
});

beforeAll(async () => {
  const pems = await generate([{ name: "commonName", value: "app" }], {
    keyType: "rsa",
    keySize: 2048,
    algorithm: "sha256",
  });
  privateKey = pems.private;
  x5t = createHash("sha1").update(new X509Certificate(pems.cert).raw).digest("base64url");
  app = { clientId: "app-1", certificatePem: pems.cert, permissions: [] };
});

describe("findClientAssertionProblem", () => {
  it("accepts an RS256 assertion signed by the registered certificate", () => {
    expect(findClientAssertionProblem(assertion(validPayload()), app, ENDPOINT, NOW)).toBeUndefined();
  });

  it.each([
    ["not a JWT", () => "abc", 50027],
    ["garbage segments", () => "a.b.c", 50027],
    ["an unknown thumbprint", () => assertion(validPayload(), { alg: "RS256", x5t: "nope" }), 700027],
    ["an unsupported algorithm", () => assertion(validPayload(), { alg: "HS256", x5t }), 5002738],
    [
      "a tampered payload",
      () => assertion(validPayload()).replace(/\.[^.]+\./, `.${Buffer.from("{}").toString("base64url")}.`),
      7000274,
    ],
    ["another issuer", () => assertion({ ...validPayload(), iss: "x", sub: "x" }), 700021],
    ["another audience", () => assertion({ ...validPayload(), aud: "https://login.microsoftonline.com/x" }), 700212],
    ["an expired assertion", () => assertion({ ...validPayload(), exp: NOW.getTime() / 1000 - 3600 }), 700024],
    ["no exp", () => assertion({ ...validPayload(), exp: "soon" }), 700024],
  ])("refuses %s", (_label, make, code) => {
    expect(findClientAssertionProblem(make(), app, ENDPOINT, NOW)?.code).toBe(code);
  });
});

describe("redeemClientCredentials", () => {
  const form = (fields: Record<string, string>) => new URLSearchParams(fields);
  const request = (fields: Record<string, string>) => ({
    tenantId: "t",
    apps: [{ clientId: "c", clientSecret: "s", permissions: [] }],
    form: form(fields),
    tokenEndpoint: ENDPOINT,
    now: NOW,
  });
  const base = { grant_type: "client_credentials", client_id: "c", scope: "https://graph.microsoft.com/.default" };

  it.each([
    [{ ...base, client_secret: "s" }, undefined],
    [{ ...base, client_secret: "wrong" }, [401, "invalid_client", 7000215]],
    [{ ...base, client_id: "unknown", client_secret: "s" }, [400, "unauthorized_client", 700016]],
    [{ ...base }, [401, "invalid_client", 7000218]],
    [{ ...base, grant_type: "password", client_secret: "s" }, [400, "unsupported_grant_type", 70003]],
    [{ ...base, scope: "User.Read", client_secret: "s" }, [400, "invalid_scope", 1002012]],
    [{ grant_type: "client_credentials", client_id: "c", client_secret: "s" }, [400, "invalid_request", 900144]],
  ])("answers %j with %j", (fields, expected) => {
    const result = redeemClientCredentials(request(fields));
    if (expected === undefined) {
      expect(result.ok).toBe(true);
      return;
    }
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const [status, error, code] = expected;
    expect(result.response.status).toBe(status);
    expect(result.response.body).toMatchObject({ error, error_codes: [code] });
    expect(String(result.response.body["error_description"])).toMatch(new RegExp(`^AADSTS${code}: `));
  });
});
