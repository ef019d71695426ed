/**
 * The home page: the signed-in operator's workspaces, each with its tenants and active runs as
 * the presenter describes them. Anonymous requests are sent to sign in.
 * @module
 */
import { Hono } from "hono";
import { listWorkspaceAccess } from "../../access/access-policy.js";
import { listTenants } from "../../inventory/tenants.js";
import { describeShellItem } from "../../operations/run-presenter.js";
import { listActiveRuns } from "../../operations/run-queries.js";
import { requireOperator } from "../require-operator.js";
import { Layout } from "../views/layout.js";
import type { AppEnv, WebDeps } from "../web-env.js";

/** Route `/`. */
export function homeRoutes(deps: WebDeps) {
  return new Hono<AppEnv>().get("/", async (c) => {
    const operator = requireOperator(c.var.operator);
    const workspaces = await listWorkspaceAccess(deps.db, operator.userId);
    const now = deps.now();
    const sections = await Promise.all(
      workspaces.map(async (workspace) => {
        const [tenants, active] = await Promise.all([
          listTenants(deps.db, workspace.workspaceId),
          workspace.can("operations.view") ? listActiveRuns(deps.db, workspace.workspaceId) : Promise.resolve([]),
        ]);
        const names = new Map(tenants.map((tenant) => [tenant.id, tenant.name]));
        const items = active.map((run) =>
          describeShellItem(run, run.tenantId ? (names.get(run.tenantId) ?? null) : null, now, {
            staleAfterMs: deps.staleAfterMs,
          }),
        );
        return { workspace, tenants, items };
      }),
    );
    return c.html(
      <Layout title="Home" operator={operator} csrfToken={c.var.csrfToken}>
        <h1>Workspaces</h1>
        {sections.length === 0 ? <p class="muted">You are not a member of any workspace yet.</p> : null}
        {sections.map(({ workspace, tenants, items }) => (
          <section class="workspace">
            <h2>
              {workspace.name} <span class="muted">· {workspace.role}</span>
            </h2>
            <h3>Tenants</h3>
            {tenants.length === 0 ? (
              <p class="muted">No tenants yet.</p>
            ) : (
              <ul>
                {tenants.map((tenant) => (
                  <li>{tenant.name}</li>
                ))}
              </ul>
            )}
            <h3>Active operations</h3>
            {items.length === 0 ? (
              <p class="muted">Nothing is running.</p>
            ) : (
              <ul>
                {items.map((item) => (
                  <li>
                    {item.title} · {item.subtitle} · {item.progress.label}
                    {"detail" in item.progress ? ` · ${item.progress.detail}` : ""}{" "}
                    <a href={item.action.url}>{item.action.label}</a>
                  </li>
                ))}
              </ul>
            )}
          </section>
        ))}
      </Layout>,
    );
  });
}
