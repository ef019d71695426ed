/**
 * TLS material for the Graph simulator: a self-signed server certificate for `IP:127.0.0.1` and
 * `DNS:localhost`, so clients can trust exactly this server (pass its PEM as a CA) instead of
 * turning certificate checks off.
 * @module
 */
import { generate } from "selfsigned";

/** A PEM certificate and its private key. */
export interface SimulatorTlsMaterial {
  /** The server certificate (PEM). Being self-signed, it is also the CA a client trusts. */
  certPem: string;
  /** The certificate's private key (PEM, PKCS#8). */
  keyPem: string;
}

/**
 * Generate a self-signed server certificate for the simulator: EC P-256, SHA-256, valid from one
 * hour ago (clock skew between processes) for 30 days, with SANs `IP:127.0.0.1` and
 * `DNS:localhost`, key usage for a TLS server.
 */
export async function generateSimulatorTls(now: Date = new Date()): Promise<SimulatorTlsMaterial> {
  const notBeforeDate = new Date(now.getTime() - 60 * 60 * 1000);
  const notAfterDate = new Date(now.getTime() + 30 * 24 * 60 * 60 * 1000);
  const pems = await generate([{ name: "commonName", value: "TenantPilot Graph simulator" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 7, ip: "127.0.0.1" },
          { type: 2, value: "localhost" },
        ],
      },
    ],
  });
  return { certPem: pems.cert, keyPem: pems.private };
}
