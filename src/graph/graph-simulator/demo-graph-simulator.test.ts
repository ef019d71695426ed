import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDemoTenants, type DemoTenantSet } from "../../inventory/sample-tenant-generator.js";
import { startDemoGraphSimulator } from "./demo-graph-simulator.js";
import type { GraphSimulator } from "./graph-simulator.js";
import { createCaFetch } from "./simulator-fetch.js";

const app = { clientId: "5e1c0f2a-7b3d-4e8f-9a0b-1c2d3e4f5a6b", clientSecret: "demo-secret" };
let tmpRoot = "";
let demo: DemoTenantSet;
let sim: GraphSimulator;

beforeAll(async () => {
  tmpRoot = await mkdtemp(path.join(os.tmpdir(), "tenantpilot-demo-graph-"));
  await chmod(tmpRoot, 0o755);
  demo = await createDemoTenants(tmpRoot);
  sim = await startDemoGraphSimulator({ tenants: demo.tenants, app });
});

afterAll(async () => {
  await sim?.close();
  if (tmpRoot !== "") await rm(tmpRoot, { recursive: true, force: true });
});

describe("startDemoGraphSimulator", () => {
  it("serves every demo tenant's readable policies to the demo app", async () => {
    const send = createCaFetch(sim.caCertPem);
    for (const tenant of demo.tenants) {
      expect(sim.servedPolicies(tenant.tenantId)).toHaveLength(tenant.policyCount);
      expect(sim.skippedFiles(tenant.tenantId)).toHaveLength(tenant.malformedFiles);
      const tokenResponse = await send(`${sim.baseUrl}/${tenant.tenantId}/oauth2/v2.0/token`, {
        method: "POST",
        body: new URLSearchParams({
          grant_type: "client_credentials",
          client_id: app.clientId,
          client_secret: app.clientSecret,
          scope: "https://graph.microsoft.com/.default",
        }),
      });
      const { access_token: accessToken } = (await tokenResponse.json()) as { access_token: string };
      const organization = await send(`${sim.baseUrl}/v1.0/organization`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      expect(await organization.json()).toMatchObject({
        value: [{ id: tenant.tenantId, displayName: tenant.displayName }],
      });
    }
  });
});
