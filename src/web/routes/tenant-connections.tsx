/**
 * "Connect with an app registration" (issue 5): the tenant's Graph connection page with the
 * permissions the app needs, the connect form (secret or certificate; advanced: authority host,
 * Graph base URL, CA certificate), "Test connection" (htmx), and the JSON API's
 * `/tenants/{tenantId}/graph-connection`. Everything needs `tenants.manage` through the access policy
 * (404 outside the workspace, 403 without it). A stored secret is never rendered or returned.
 * @module
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { raw } from "hono/html";
import { getVisibleTenant, listWorkspaceAccess } from "../../access/access-policy.js";
import type { KeyRing } from "../../graph/credential-encryption.js";
import { type GraphConnectionTestOutcome, testGraphConnection } from "../../graph/graph-connection-test.js";
import {
  connectTenantToGraph,
  DEFAULT_AUTHORITY_HOST,
  DEFAULT_GRAPH_BASE_URL,
  describeGraphConnectionTestResult,
  findGraphConnection,
  type GraphConnection,
  type GraphConnectionInput,
  GraphConnectionInputError,
  getGraphConnection,
  REQUIRED_GRAPH_PERMISSIONS,
} from "../../graph/graph-connections.js";
import { OperatorError } from "../../shared/operator-error.js";
import { ApiInputError, parseJsonBody } from "../api/api-input.js";
import { graphConnectionBodySchema, toGraphConnectionInput } from "../api/graph-connection-schemas.js";
import { CSRF_FIELD } from "../middleware/csrf.js";
import { requireOperator } from "../require-operator.js";
import { Layout } from "../views/layout.js";
import { Time } from "../views/time.js";
import type { AppEnv, DemoGraphConnectValues, WebDeps } from "../web-env.js";
import { tenantShellUrl } from "./home.js";

/** URL of a tenant's Graph connection page. */
export function graphConnectionUrl(workspaceSlug: string, tenantId: string): string {
  return `${tenantShellUrl(workspaceSlug, tenantId)}/graph-connection`;
}

const PAGE_STYLES = `
.graph-connection form label{display:block;margin:.4rem 0}
.graph-connection input[type=text],.graph-connection input[type=password],.graph-connection textarea{width:100%;max-width:40rem;font:inherit}
.graph-connection textarea{font-family:ui-monospace,monospace;font-size:.85em}
.graph-connection fieldset{border:1px solid #e5e7eb;border-radius:.375rem;margin:.75rem 0;padding:.5rem .75rem}
.graph-connection dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}
.graph-connection dt{color:#4b5563}
.graph-connection code{word-break:break-all}
.form-error{padding:.5rem .75rem;border-radius:.25rem;background:#fee2e2}
.test-result{padding:.5rem .75rem;border-radius:.25rem;margin:.5rem 0}
.test-result[data-ok="true"]{background:#dcfce7}
.test-result[data-ok="false"]{background:#fef3c7}
.demo-graph{border:1px dashed #6366f1;background:#eef2ff;border-radius:.375rem;padding:.5rem .75rem;margin:.75rem 0}
.demo-graph h2{margin:.25rem 0}
`;

/** Form fields echoed back after a refused save: never the secret, the certificate or its key. */
interface FormValues {
  entraTenantId?: string;
  clientId?: string;
  credentialKind?: string;
  authorityHost?: string;
  graphBaseUrl?: string;
}

function str(value: unknown, max = 500): string | undefined {
  return typeof value === "string" ? value.slice(0, max) : undefined;
}

/**
 * The operator-safe outcome of a test, for the page and the htmx answer. A failed test is about a
 * connection that is saved all the same: the headline says both, so nobody takes it for unsaved.
 */
function TestResult({ outcome }: { outcome: Pick<GraphConnectionTestOutcome, "ok" | "result" | "testedAt"> }) {
  return (
    <div class="test-result" role="status" data-test-result data-ok={String(outcome.ok)}>
      <strong>{outcome.ok ? "Connection works" : "Saved, but the connection test failed"}</strong>
      <p>{describeGraphConnectionTestResult(outcome.result, "web")}</p>
      {outcome.ok ? null : <p>The tenant cannot be read until this is fixed.</p>}
      <p class="muted">
        Tested <Time at={outcome.testedAt} />
      </p>
    </div>
  );
}

function ConnectionSummary({ connection }: { connection: GraphConnection }) {
  return (
    <dl data-connection>
      <dt>Entra tenant id</dt>
      <dd>
        <code>{connection.entraTenantId}</code>
      </dd>
      <dt>Client id</dt>
      <dd>
        <code>{connection.clientId}</code>
      </dd>
      <dt>Credential</dt>
      <dd>
        {connection.credentialKind === "client_secret"
          ? "A client secret is stored; enter a new one to replace it."
          : "A certificate is stored; upload a new one to replace it."}
      </dd>
      {connection.certificate ? (
        <>
          <dt>Thumbprint (SHA-1)</dt>
          <dd>
            <code>{connection.certificate.thumbprintSha1}</code>
          </dd>
          <dt>Thumbprint (SHA-256)</dt>
          <dd>
            <code>{connection.certificate.thumbprintSha256}</code>
          </dd>
          {connection.certificate.expiresAt ? (
            <>
              <dt>Certificate expires</dt>
              <dd>
                <Time at={connection.certificate.expiresAt} />
              </dd>
            </>
          ) : null}
        </>
      ) : null}
      <dt>Authority host</dt>
      <dd>{connection.authorityHost}</dd>
      <dt>Graph base URL</dt>
      <dd>{connection.graphBaseUrl}</dd>
      {connection.trustsCustomCa ? (
        <>
          <dt>CA certificate</dt>
          <dd>A custom CA certificate is trusted for these hosts.</dd>
        </>
      ) : null}
    </dl>
  );
}

/** The demo's Graph simulator values for its tenant, and the button that fills the form with them. */
function DemoGraphBox({ demo, url }: { demo: DemoGraphConnectValues; url: string }) {
  return (
    <aside class="demo-graph" data-demo-graph aria-labelledby="demo-graph-title">
      <h2 id="demo-graph-title">Demo Graph simulator</h2>
      <p>
        This TenantPilot was started with its demo data and runs a local Microsoft Graph simulator that serves this
        tenant to a demo app registration. Connect with these values, no Entra tenant needed. They are demo values: they
        open only the simulator on this machine.
      </p>
      <dl>
        <dt>Entra tenant id</dt>
        <dd>
          <code>{demo.entraTenantId}</code>
        </dd>
        <dt>Client id</dt>
        <dd>
          <code>{demo.clientId}</code>
        </dd>
        <dt>Client secret</dt>
        <dd>
          <code>{demo.clientSecret}</code>
        </dd>
        <dt>Authority host</dt>
        <dd>
          <code>{demo.authorityHost}</code>
        </dd>
        <dt>Graph base URL</dt>
        <dd>
          <code>{demo.graphBaseUrl}</code>
        </dd>
        <dt>CA certificate</dt>
        <dd>
          the simulator's certificate, <code>{demo.caFile}</code>
        </dd>
      </dl>
      <form method="get" action={url}>
        <input type="hidden" name="demo" value="1" />
        <button type="submit" data-demo-graph-fill>
          Fill in the demo values
        </button>
      </form>
    </aside>
  );
}

function ConnectForm({
  action,
  csrfToken,
  connection,
  values,
  demoPrefill,
}: {
  action: string;
  csrfToken: string;
  connection: GraphConnection | undefined;
  values: FormValues;
  /** The demo simulator's values, secret and CA included (demo only: they open nothing else). */
  demoPrefill?: DemoGraphConnectValues | undefined;
}) {
  if (demoPrefill) {
    values = {
      entraTenantId: demoPrefill.entraTenantId,
      clientId: demoPrefill.clientId,
      credentialKind: "client_secret",
      authorityHost: demoPrefill.authorityHost,
      graphBaseUrl: demoPrefill.graphBaseUrl,
    };
  }
  const kind = values.credentialKind ?? (connection ? "keep" : "client_secret");
  const authorityHost = values.authorityHost ?? connection?.authorityHost ?? DEFAULT_AUTHORITY_HOST;
  const graphBaseUrl = values.graphBaseUrl ?? connection?.graphBaseUrl ?? DEFAULT_GRAPH_BASE_URL;
  return (
    <form method="post" action={action} enctype="multipart/form-data" autocomplete="off" data-connect-form>
      <input type="hidden" name={CSRF_FIELD} value={csrfToken} />
      <label>
        Entra tenant id{" "}
        <input
          type="text"
          name="entraTenantId"
          required
          maxlength={36}
          placeholder="00000000-0000-0000-0000-000000000000"
          value={values.entraTenantId ?? connection?.entraTenantId ?? ""}
        />
      </label>
      <label>
        Application (client) id{" "}
        <input
          type="text"
          name="clientId"
          required
          maxlength={36}
          placeholder="00000000-0000-0000-0000-000000000000"
          value={values.clientId ?? connection?.clientId ?? ""}
        />
      </label>
      <fieldset>
        <legend>Credential</legend>
        {connection ? (
          <label>
            <input type="radio" name="credentialKind" value="keep" checked={kind === "keep"} /> Keep the stored{" "}
            {connection.credentialKind === "client_secret" ? "client secret" : "certificate"}
          </label>
        ) : null}
        <label>
          <input type="radio" name="credentialKind" value="client_secret" checked={kind === "client_secret"} /> Client
          secret
        </label>
        <label>
          Client secret{" "}
          <input
            type="password"
            name="clientSecret"
            autocomplete="new-password"
            maxlength={1000}
            value={demoPrefill?.clientSecret}
          />
        </label>
        <label>
          <input
            type="radio"
            name="credentialKind"
            value="client_certificate"
            checked={kind === "client_certificate"}
          />{" "}
          Certificate (PEM with the unencrypted private key and the certificate)
        </label>
        <label>
          Certificate file <input type="file" name="certificateFile" accept=".pem,.crt,.key,text/plain" />
        </label>
        <label>
          or paste it <textarea name="certificatePem" rows={6} spellcheck={false}></textarea>
        </label>
      </fieldset>
      <details open={demoPrefill !== undefined}>
        <summary>Advanced: national clouds, self-hosted endpoints</summary>
        <label>
          Authority host <input type="text" name="authorityHost" maxlength={500} value={authorityHost} />
        </label>
        <label>
          Graph base URL <input type="text" name="graphBaseUrl" maxlength={500} value={graphBaseUrl} />
        </label>
        <label>
          CA certificate to trust for these hosts (PEM; leave empty for Microsoft's clouds)
          <textarea name="caCertificatePem" rows={4} spellcheck={false}>
            {demoPrefill?.caCertificatePem ?? ""}
          </textarea>
        </label>
        {connection?.trustsCustomCa ? (
          <label>
            <input type="checkbox" name="keepCaCertificate" value="on" checked /> Keep the stored CA certificate
          </label>
        ) : null}
      </details>
      <button type="submit">Save connection</button>
    </form>
  );
}

/** Routes of the connection page (mounted at / by app.tsx). */
export function tenantConnectionsRoutes(deps: WebDeps) {
  /** The tenant of the URL, with tenants.manage, under the workspace slug of the URL. */
  async function tenantForManage(c: Context<AppEnv>) {
    const operator = requireOperator(c.var.operator);
    const { tenant, access } = await getVisibleTenant(
      deps.db,
      operator.userId,
      c.req.param("tenantId") ?? "",
      "tenants.manage",
    );
    const workspace = (await listWorkspaceAccess(deps.db, operator.userId)).find(
      (candidate) => candidate.workspaceId === access.workspaceId,
    );
    if (workspace === undefined || workspace.slug !== c.req.param("workspaceSlug")) {
      throw new OperatorError("not_found", `tenant ${tenant.id} is not in workspace ${c.req.param("workspaceSlug")}`);
    }
    return { operator, tenant, workspace };
  }

  async function renderPage(
    c: Context<AppEnv>,
    context: Awaited<ReturnType<typeof tenantForManage>>,
    options: { error?: string; values?: FormValues; saved?: boolean; demoPrefill?: boolean } = {},
    status: 200 | 400 | 409 | 500 = 200,
  ) {
    const { operator, tenant, workspace } = context;
    const connection = await findGraphConnection(deps.db, tenant.id);
    const url = graphConnectionUrl(workspace.slug, tenant.id);
    const csrfToken = c.var.csrfToken ?? "";
    const demo = demoGraphFor(deps, tenant);
    const demoPrefill = options.demoPrefill && demo !== undefined ? demo : undefined;
    return c.html(
      <Layout title={`${tenant.name} · Microsoft Graph`} operator={operator} csrfToken={c.var.csrfToken}>
        <style>{raw(PAGE_STYLES)}</style>
        <nav class="crumbs" aria-label="Breadcrumb">
          <a href="/">{workspace.name}</a> › <a href={tenantShellUrl(workspace.slug, tenant.id)}>{tenant.name}</a> ›{" "}
          <span>Microsoft Graph</span>
        </nav>
        <section class="graph-connection">
          <h1>Connect with an app registration</h1>
          <p>
            TenantPilot reads {tenant.name}'s Intune configuration through Microsoft Graph as an app registration in the
            customer's Entra tenant. Give the app these <strong>application</strong> permissions and grant admin
            consent:
          </p>
          <ul data-permissions>
            {REQUIRED_GRAPH_PERMISSIONS.map((permission) => (
              <li>
                <code>{permission.name}</code> — {permission.reason}
              </li>
            ))}
          </ul>
          {tenant.evidenceSource?.kind === "export_folder" ? (
            <p class="muted">
              This tenant is read from an export folder now; saving a connection switches it to Microsoft Graph.
            </p>
          ) : null}
          {demo ? <DemoGraphBox demo={demo} url={url} /> : null}
          {demoPrefill ? (
            <p role="status" data-demo-graph-filled>
              The form below holds the demo values: save the connection, then test it.
            </p>
          ) : null}
          {options.error ? (
            <p class="form-error" role="alert">
              {options.error}
            </p>
          ) : null}
          {connection ? (
            <>
              <h2>Current connection</h2>
              <ConnectionSummary connection={connection} />
              <form method="post" action={`${url}/test`} hx-post={`${url}/test`} hx-target="#test-result">
                <input type="hidden" name={CSRF_FIELD} value={csrfToken} />
                <button type="submit">Test connection</button>
              </form>
              {/* One region for "saved, not tested yet" and the test result: the htmx answer replaces
                  its content, so the note never stands next to the result it is out of date with. */}
              <div id="test-result" aria-live="polite">
                {connection.lastTest ? (
                  <TestResult outcome={{ ...connection.lastTest, ok: connection.lastTest.result === "ok" }} />
                ) : options.saved ? (
                  <p role="status" data-saved>
                    Connection saved. It has not been tested yet: press Test connection to check that it works.
                  </p>
                ) : null}
              </div>
              <h2>Replace the connection</h2>
            </>
          ) : null}
          <ConnectForm
            action={url}
            csrfToken={csrfToken}
            connection={connection}
            values={options.values ?? {}}
            demoPrefill={demoPrefill}
          />
        </section>
      </Layout>,
      status,
    );
  }

  return new Hono<AppEnv>()
    .get("/w/:workspaceSlug/tenants/:tenantId/graph-connection", async (c) => {
      const context = await tenantForManage(c);
      return renderPage(c, context, { saved: c.req.query("saved") === "1", demoPrefill: c.req.query("demo") === "1" });
    })
    .post("/w/:workspaceSlug/tenants/:tenantId/graph-connection", async (c) => {
      const context = await tenantForManage(c);
      const { values, input, error } = await readConnectForm(c);
      if (error !== undefined || input === undefined)
        return renderPage(c, context, { values, ...(error ? { error } : {}) }, 400);
      try {
        await connectTenantToGraph(deps.db, requireKeyRing(deps), {
          ...input,
          workspaceId: context.tenant.workspaceId,
          tenantId: context.tenant.id,
        });
      } catch (thrown) {
        if (thrown instanceof GraphConnectionInputError) {
          // Its issue messages are written for operators: they name the field and never echo the value.
          const message = thrown.issues[0]?.message ?? thrown.operatorMessage;
          return renderPage(c, context, { values, error: message }, 400);
        }
        throw thrown;
      }
      return c.redirect(`${graphConnectionUrl(context.workspace.slug, context.tenant.id)}?saved=1`, 303);
    })
    .post("/w/:workspaceSlug/tenants/:tenantId/graph-connection/test", async (c) => {
      const context = await tenantForManage(c);
      const outcome = await testGraphConnection(testDeps(deps), context.tenant.id);
      if (c.req.header("hx-request") === "true") return c.html(<TestResult outcome={outcome} />);
      return c.redirect(graphConnectionUrl(context.workspace.slug, context.tenant.id), 303);
    });
}

/** The demo simulator's values when this tenant is the one it serves (same Entra tenant id). */
function demoGraphFor(deps: WebDeps, tenant: { entraTenantId: string | null }): DemoGraphConnectValues | undefined {
  const demo = deps.demoGraph;
  if (demo === undefined || tenant.entraTenantId === null) return undefined;
  return tenant.entraTenantId.toLowerCase() === demo.entraTenantId.toLowerCase() ? demo : undefined;
}

function requireKeyRing(deps: WebDeps): KeyRing {
  if (!deps.keyRing) throw new OperatorError("credential_key_missing", "the web app was started without a key ring");
  return deps.keyRing;
}

function testDeps(deps: WebDeps) {
  return { db: deps.db, keyRing: requireKeyRing(deps), logger: deps.logger, now: deps.now };
}

/** Largest certificate file read from the form, bytes (the body limit is 64 KiB anyway). */
const MAX_CERTIFICATE_FILE_BYTES = 32 * 1024;

/** The connect form as graph-connections' input, or a sentence naming what to fix. */
async function readConnectForm(
  c: Context<AppEnv>,
): Promise<{ values: FormValues; input?: GraphConnectionInput; error?: string }> {
  const contentType = c.req.header("content-type") ?? "";
  if (!contentType.includes("form"))
    throw new OperatorError("invalid_input", `unexpected content type ${contentType.slice(0, 100)}`);
  const body = await c.req.parseBody();
  const values: FormValues = {};
  for (const key of ["entraTenantId", "clientId", "credentialKind", "authorityHost", "graphBaseUrl"] as const) {
    const value = str(body[key]);
    if (value !== undefined) values[key] = value;
  }
  let credential: GraphConnectionInput["credential"];
  const kind = values.credentialKind ?? "client_secret";
  if (kind === "client_secret") {
    credential = { kind: "client_secret", clientSecret: str(body.clientSecret, 2_000) ?? "" };
  } else if (kind === "client_certificate") {
    const file = body.certificateFile;
    let pem = str(body.certificatePem, 40_000) ?? "";
    if (file instanceof File && file.size > 0) {
      if (file.size > MAX_CERTIFICATE_FILE_BYTES) return { values, error: "The certificate file is too large." };
      pem = await file.text();
    }
    if (pem.trim() === "") return { values, error: "Choose a certificate file or paste the certificate." };
    credential = { kind: "client_certificate", certificatePem: pem };
  } else if (kind !== "keep") {
    return { values, error: "Choose how the app registration signs in." };
  }
  // An empty CA field keeps the stored CA only while "Keep the stored CA certificate" stays checked.
  const caText = str(body.caCertificatePem, 40_000)?.trim() ?? "";
  const caCertificatePem = caText === "" && body.keepCaCertificate === "on" ? undefined : caText;
  return {
    values,
    input: {
      entraTenantId: values.entraTenantId ?? "",
      clientId: values.clientId ?? "",
      ...(credential ? { credential } : {}),
      ...(values.authorityHost ? { authorityHost: values.authorityHost } : {}),
      ...(values.graphBaseUrl ? { graphBaseUrl: values.graphBaseUrl } : {}),
      ...(caCertificatePem === undefined ? {} : { caCertificatePem }),
    },
  };
}

/**
 * The JSON API's Graph connection routes, added to the `/api/v1` sub-app by api-routes.ts (after its
 * authentication middleware, before its catch-all): GET (public view), PUT (write-only secret), POST …/test.
 */
export function addGraphConnectionApiRoutes(api: Hono<AppEnv>, deps: WebDeps): void {
  const tenantFor = async (c: Context<AppEnv>) => {
    const operator = requireOperator(c.var.operator);
    return (await getVisibleTenant(deps.db, operator.userId, c.req.param("tenantId") ?? "", "tenants.manage")).tenant;
  };
  api.get("/tenants/:tenantId/graph-connection", async (c) => {
    const tenant = await tenantFor(c);
    return c.json({ connection: await getGraphConnection(deps.db, tenant.id) });
  });
  api.put("/tenants/:tenantId/graph-connection", async (c) => {
    const tenant = await tenantFor(c);
    const body = await parseJsonBody(c.req, graphConnectionBodySchema);
    try {
      const { connection, created } = await connectTenantToGraph(deps.db, requireKeyRing(deps), {
        ...toGraphConnectionInput(body),
        workspaceId: tenant.workspaceId,
        tenantId: tenant.id,
      });
      return c.json({ connection }, created ? 201 : 200);
    } catch (thrown) {
      // The same field sentences the CLI prints and the form shows, as `issues` on the body's fields.
      if (thrown instanceof GraphConnectionInputError) {
        throw new ApiInputError(
          "graph connection input not valid",
          thrown.issues.map((issue) => ({ path: `body.${issue.field}`, message: issue.message })),
        );
      }
      throw thrown;
    }
  });
  api.post("/tenants/:tenantId/graph-connection/test", async (c) => {
    const tenant = await tenantFor(c);
    return c.json({ test: await testGraphConnection(testDeps(deps), tenant.id) });
  });
}
