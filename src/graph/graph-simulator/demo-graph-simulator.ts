/**
 * The demo's Graph: one simulator serving the demo tenants' export folders, with one app
 * registration consented in every tenant, so a new user can connect a "Graph" tenant without an
 * Entra tenant of their own.
 * @module
 */
import type { DemoTenant } from "../../inventory/sample-tenant-generator.js";
import { type GraphSimulator, startGraphSimulator } from "./graph-simulator.js";
import type { FaultRule } from "./simulator-faults.js";
import type { SimulatorTlsMaterial } from "./simulator-tls.js";

/** Permissions the demo app holds in every demo tenant: what a real TenantPilot app registration needs. */
export const DEMO_GRAPH_PERMISSIONS = [
  "DeviceManagementConfiguration.Read.All",
  "DeviceManagementApps.Read.All",
  "Organization.Read.All",
] as const;

/** Options of {@link startDemoGraphSimulator}. */
export interface DemoGraphSimulatorOptions {
  /** Demo tenants (as `createDemoTenants` returns them): each is served from its `dir`. */
  tenants: readonly Pick<DemoTenant, "tenantId" | "displayName" | "dir">[];
  /** The app registration the demo connects with (client secret credential). */
  app: { clientId: string; clientSecret: string };
  /**
   * Fixed port, so stored connections keep working across restarts; outside 32768–60999.
   * (Default: 0, any free port)
   */
  port?: number;
  /** Certificate to reuse across restarts (clients pin it). (Default: a new one each start) */
  tls?: SimulatorTlsMaterial;
  /** Delay before every answer, in ms. (Default: 0) */
  latencyMs?: number;
  /** Faults active from the start, e.g. a few 429s so the demo shows the throttled wait reason. */
  faults?: readonly FaultRule[];
}

/**
 * Start the demo's Graph simulator.
 * @throws {Error} as {@link startGraphSimulator}
 */
export function startDemoGraphSimulator(options: DemoGraphSimulatorOptions): Promise<GraphSimulator> {
  return startGraphSimulator({
    tenants: options.tenants.map((tenant) => ({
      tenantId: tenant.tenantId,
      displayName: tenant.displayName,
      apps: [{ ...options.app, permissions: DEMO_GRAPH_PERMISSIONS }],
      policies: { exportFolder: tenant.dir },
    })),
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    ...(options.latencyMs === undefined ? {} : { latencyMs: options.latencyMs }),
    ...(options.faults === undefined ? {} : { faults: options.faults }),
  });
}
