/**
 * `tenantpilot demo` (`npm run demo`): the main job end to end on the embedded defaults. Starts the
 * embedded PostgreSQL, writes sample tenants with the project's own generator, captures a baseline
 * from the source tenant, compares every customer tenant against it while printing each run's live
 * progress, then prints the findings next to the drift the generator put in. Idempotent: a second
 * run reuses tenants and profile and shows the finding lifecycle carrying on.
 * @module
 */
import path from "node:path";
import { startBaselineCapture, startBaselineCompare } from "../../baselines/baseline-runs.js";
import { describeFindingCounts } from "../../baselines/drift-findings.js";
import { loadConfig } from "../../config/config.js";
import type { DemoTenant } from "../../inventory/sample-tenant-generator.js";
import { type CliContext, type GlobalOptions, withCliContext } from "../cli-context.js";
import { seedDemoData } from "../demo-data.js";
import {
  addDemoGraphTenant,
  connectDemoGraphTenant,
  DEMO_GRAPH_SERVED_TENANT,
  type DemoGraph,
  isDemoGraphUnavailable,
  startDemoGraph,
} from "../demo-graph.js";
import { EXIT_FAILED, EXIT_OK } from "../exit-codes.js";
import { sayQueued, startLocalWorker, stopLocalWorker, watchAndReport } from "./operations-commands.js";

/** Per-policy read delay so the phases are visible to a person watching (set EVIDENCE_READ_DELAY_MS to change). */
const DEMO_READ_DELAY_MS = 40;

/** Run the demo; resolves to the exit code. */
export async function demoCommand(global: GlobalOptions): Promise<number> {
  if (process.env.EVIDENCE_READ_DELAY_MS === undefined) process.env.EVIDENCE_READ_DELAY_MS = String(DEMO_READ_DELAY_MS);
  const config = loadConfig();
  return withCliContext(global, async (ctx) => {
    const db = ctx.runtime.database.db;
    ctx.say(
      `TenantPilot demo · database: ${config.databaseUrl ? "DATABASE_URL" : `embedded PostgreSQL in ${path.join(config.dataDir, "pg")}`}`,
    );
    const { root: demoRoot, tenants: demoTenants, source, profile } = await seedDemoData(ctx);
    ctx.say(`Sample tenants written to ${demoRoot} (Intune Management export layout).`);
    for (const tenant of demoTenants) {
      ctx.say(
        `  ${tenant.displayName}: ${tenant.policyCount} policies${tenant.malformedFiles ? `, ${tenant.malformedFiles} unreadable file` : ""}`,
      );
    }
    // The Graph tenant: the same sample policies as Northwind, read through the demo Graph simulator.
    const started = await startDemoGraph({ dataDir: config.dataDir, port: config.demoGraphPort, demoTenants });
    const demoGraph: DemoGraph | undefined = isDemoGraphUnavailable(started) ? undefined : started;
    if (isDemoGraphUnavailable(started)) ctx.say(started.unavailable);
    const graphCustomer = demoGraph ? await connectGraphTenant(ctx, demoGraph, demoTenants) : undefined;
    const deps = { db, runs: ctx.runtime.runs, maxAttempts: config.runMaxAttempts };
    const worker = await startLocalWorker(ctx);
    const ownRunIds: string[] = [];
    try {
      ctx.say(`\nCapturing baseline "${profile.name}" from ${source.displayName}…`);
      const capture = await startBaselineCapture(deps, {
        workspaceId: ctx.workspace.id,
        profile: profile.id,
        initiator: { userId: ctx.userId, label: "demo" },
      });
      sayQueued(ctx, capture);
      ownRunIds.push(capture.run.id);
      const [captured] = await watchAndReport(ctx, [capture.run.id]);
      if (captured?.outcome !== "succeeded") return EXIT_FAILED;

      const customers = [
        ...demoTenants.filter((tenant) => tenant.role === "customer"),
        ...(graphCustomer ? [graphCustomer] : []),
      ];
      ctx.say(`\nComparing ${customers.length} tenants against the baseline…`);
      const compares = [];
      for (const tenant of customers) {
        const started = await startBaselineCompare(deps, {
          workspaceId: ctx.workspace.id,
          profile: profile.id,
          tenant: tenant.displayName,
          initiator: { userId: ctx.userId, label: "demo" },
        });
        sayQueued(ctx, started);
        ownRunIds.push(started.run.id);
        compares.push({ tenant, runId: started.run.id });
      }
      const finals = await watchAndReport(
        ctx,
        compares.map((compare) => compare.runId),
      );

      ctx.say("\nFindings of these compares, next to the drift the sample generator planted:");
      let allMatch = true;
      const nameWidth = Math.max(...customers.map((tenant) => tenant.displayName.length)) + 2;
      const summary: CompareSummary[] = [];
      const graphSummary: CompareSummary[] = [];
      for (const { tenant, runId } of compares) {
        const run = finals.find((final) => final.id === runId);
        const result = (run?.context.result ?? {}) as {
          byKind?: Record<string, number>;
          findingCount?: number;
          unknownPolicyCount?: number;
        };
        const found = result.byKind ?? {};
        const expected = expectedByKind(tenant);
        const matches = Object.keys({ ...found, ...expected }).every(
          (kind) => (found[kind] ?? 0) === (expected[kind] ?? 0),
        );
        allMatch &&= matches;
        (tenant === graphCustomer ? graphSummary : summary).push({
          tenant: tenant.displayName,
          outcome: run?.outcome,
          found,
          expected,
          matches,
        });
        ctx.say(
          `  ${`${tenant.displayName}:`.padEnd(nameWidth)} ${formatKinds(found).padEnd(44)} ${matches ? "✓ as planted" : `✗ MISMATCH: planted ${formatKinds(expected)}`}`,
        );
      }
      ctx.emit({
        profile: profile.name,
        capture: captured,
        compares: summary,
        graph: demoGraph ? (graphSummary[0] ?? null) : { unavailable: true },
      });
      ctx.say(`\nNext: npx tenantpilot findings list · npx tenantpilot runs list · npx tenantpilot runs show <id>`);
      return allMatch && finals.every((run) => run.outcome === "succeeded" || run.outcome === "partially_succeeded")
        ? EXIT_OK
        : EXIT_FAILED;
    } finally {
      await stopLocalWorker(ctx, worker, ownRunIds);
      await demoGraph?.close();
    }
  });
}

/**
 * Add the demo's Graph tenant and connect it with the demo app registration: what `tenants connect
 * --graph` does with the values `npm start` prints (again each run, so it always trusts the current
 * simulator certificate).
 * @returns the tenant to compare: Northwind's planted drift, read through Graph
 */
async function connectGraphTenant(
  ctx: CliContext,
  demoGraph: DemoGraph,
  demoTenants: readonly DemoTenant[],
): Promise<DemoTenant | undefined> {
  const db = ctx.runtime.database.db;
  const served = demoTenants.find((tenant) => tenant.name === DEMO_GRAPH_SERVED_TENANT);
  if (served === undefined) return undefined;
  const { tenant } = await addDemoGraphTenant(db, ctx.workspace.id);
  await connectDemoGraphTenant(db, ctx.runtime.keyRing, {
    workspaceId: ctx.workspace.id,
    tenantId: tenant.id,
    demo: demoGraph,
  });
  ctx.say(
    `  ${tenant.name}: ${served.policyCount} policies (Northwind's), read through Microsoft Graph: the demo Graph simulator at ${demoGraph.graphBaseUrl}`,
  );
  return { ...served, displayName: tenant.name };
}

/** One compare of the demo next to its planted drift. */
interface CompareSummary {
  tenant: string;
  outcome: string | null | undefined;
  found: Record<string, number>;
  expected: Record<string, number>;
  matches: boolean;
}

/** The findings the engine must report for a demo tenant under the demo profile (version suffix ignored, unexpected reported). */
function expectedByKind(tenant: DemoTenant): Record<string, number> {
  const counts: Record<string, number> = {
    setting_changed: tenant.expected.changedSettings,
    missing_policy: tenant.expected.removedPolicies,
    unexpected_policy: tenant.expected.addedPolicies,
    property_changed: tenant.expected.renamedVersionBumps,
  };
  return Object.fromEntries(Object.entries(counts).filter(([, count]) => count > 0));
}

function formatKinds(counts: Record<string, number>): string {
  return describeFindingCounts(counts);
}
