/**
 * classifySignInFailure: which sentence a failed sign-in gets, from the facts of its error chain.
 * The simulator covers self-signed and expired certificates end to end; the rest of the TLS trust
 * codes (wrong host name, unknown issuer) are told apart from transport failures here.
 */
import { describe, expect, it } from "vitest";
import { classifySignInFailure } from "./graph-connection-test.js";

const detail = (codes: string[], messages: string[] = []) => ({ names: [], codes, aadsts: [], messages });

describe("classifySignInFailure", () => {
  it.each([
    [
      "ERR_TLS_CERT_ALTNAME_INVALID",
      "Hostname/IP does not match certificate's altnames: IP: 10.0.0.1 is not in the cert's list",
    ],
    ["UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "unable to get local issuer certificate"],
    ["CERT_HAS_EXPIRED", "certificate has expired"],
    ["DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed certificate"],
    ["SELF_SIGNED_CERT_IN_CHAIN", "self-signed certificate in certificate chain"],
  ])("an untrusted certificate (%s) is tls_untrusted, by code or by message alone", (code, message) => {
    expect(classifySignInFailure(detail([code]), "client_secret")).toBe("tls_untrusted");
    expect(classifySignInFailure(detail(["endpoints_resolution_error"], [message]), "client_secret")).toBe(
      "tls_untrusted",
    );
  });

  it.each(["ECONNREFUSED", "ENOTFOUND", "ETIMEDOUT", "network_error"])("%s stays identity_unreachable", (code) => {
    expect(classifySignInFailure(detail([code]), "client_secret")).toBe("identity_unreachable");
  });

  it("an AADSTS code wins over any transport detail", () => {
    expect(classifySignInFailure({ ...detail(["CERT_HAS_EXPIRED"]), aadsts: ["7000215"] }, "client_secret")).toBe(
      "invalid_client_secret",
    );
  });
});
