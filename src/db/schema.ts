/**
 * The database schema (Drizzle). SQL migrations under migrations/ are generated from this file by
 * `npm run db:generate` and committed; they are applied at start-up (db/migrate.ts).
 * JSON columns hold untrusted shapes: readers validate them (operations/run-record.ts).
 * @module
 */
import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();

/** One MSP organisation: owns tenants, baseline profiles and members. */
export const workspaces = pgTable("workspaces", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull(),
  slug: text("slug").notNull().unique(),
  createdAt: createdAt(),
});

/** A person who can sign in (web) or act locally (CLI). */
export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    email: text("email").notNull(),
    displayName: text("display_name").notNull(),
    /** argon2 hash; null for accounts that cannot sign in with a password (the local CLI operator). */
    passwordHash: text("password_hash"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("users_email_unique").on(sql`lower(${t.email})`)],
);

/** Workspace membership with a role (DESIGN.md §6). */
export const memberships = pgTable(
  "memberships",
  {
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.userId] }),
    check("memberships_role_check", sql`${t.role} in ('owner', 'manager', 'operator', 'reader')`),
  ],
);

/** One managed customer tenant and where its configuration is read from. */
export const tenants = pgTable(
  "tenants",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** Microsoft Entra tenant id (GUID), when known. */
    entraTenantId: text("entra_tenant_id"),
    /** `{ kind: "export_folder", path }` — see inventory/evidence-source.ts. */
    evidenceSource: jsonb("evidence_source").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("tenants_workspace_name_unique").on(t.workspaceId, sql`lower(${t.name})`)],
);

/** One persisted execution of background work (DESIGN.md §2). Only the run service writes it. */
export const operationRuns = pgTable(
  "operation_runs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    tenantId: uuid("tenant_id").references(() => tenants.id, { onDelete: "set null" }),
    type: text("type").notNull(),
    initiatorUserId: uuid("initiator_user_id").references(() => users.id, { onDelete: "set null" }),
    initiatorLabel: text("initiator_label"),
    status: text("status").notNull().default("queued"),
    outcome: text("outcome"),
    identityKey: text("identity_key").notNull(),
    context: jsonb("context").notNull().default({}),
    summaryCounts: jsonb("summary_counts").notNull().default({}),
    failure: jsonb("failure"),
    createdAt: createdAt(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    completedAt: timestamp("completed_at", { withTimezone: true }),
    heartbeatAt: timestamp("heartbeat_at", { withTimezone: true }),
    attempt: integer("attempt").notNull().default(0),
    version: integer("version").notNull().default(1),
    /** graphile-worker worker id that holds the run's job while it runs; the reaper releases it. */
    workerId: text("worker_id"),
    /** graphile-worker job id of the run's job. */
    jobId: bigint("job_id", { mode: "number" }),
    /** Global change cursor: set from a sequence on every visible change, so a listener that lost
     * its LISTEN connection re-reads exactly what changed since the last cursor it saw. */
    changeSeq: bigserial("change_seq", { mode: "number" }).notNull(),
  },
  (t) => [
    uniqueIndex("operation_runs_one_active_per_identity")
      .on(t.identityKey)
      .where(sql`${t.status} in ('queued', 'running')`),
    index("operation_runs_workspace_created").on(t.workspaceId, t.createdAt.desc(), t.id.desc()),
    index("operation_runs_active_by_tenant")
      .on(t.workspaceId, t.tenantId)
      .where(sql`${t.status} in ('queued', 'running')`),
    index("operation_runs_change_seq").on(t.changeSeq),
    index("operation_runs_running_heartbeat").on(t.heartbeatAt).where(sql`${t.status} = 'running'`),
    check("operation_runs_status_check", sql`${t.status} in ('queued', 'running', 'completed')`),
    check(
      "operation_runs_outcome_check",
      sql`(${t.status} = 'completed') = (${t.outcome} is not null) and (${t.outcome} is null or ${t.outcome} in ('succeeded', 'partially_succeeded', 'failed', 'blocked', 'cancelled'))`,
    ),
  ],
);

/** Every visible change of a run (status, phase, counts), for the detail page's timeline. */
export const operationRunEvents = pgTable(
  "operation_run_events",
  {
    runId: uuid("run_id")
      .notNull()
      .references(() => operationRuns.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    at: timestamp("at", { withTimezone: true }).notNull(),
    status: text("status").notNull(),
    outcome: text("outcome"),
    phase: text("phase"),
    /** The attempt that owned the run at this change (0 while queued). */
    attempt: integer("attempt").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.runId, t.version] })],
);

/** Normalised policy content, stored once, addressed by the hash of its normalised form. */
export const policyVersions = pgTable("policy_versions", {
  hash: text("hash").primaryKey(),
  policyKind: text("policy_kind").notNull(),
  normalizerVersion: integer("normalizer_version").notNull(),
  content: jsonb("content").notNull(),
  createdAt: createdAt(),
});

/** A workspace-level baseline definition. */
export const baselineProfiles = pgTable(
  "baseline_profiles",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    sourceTenantId: uuid("source_tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "restrict" }),
    /** Policy kinds in scope (Graph `@odata.type` without prefix); empty = every kind. */
    policyKinds: text("policy_kinds").array().notNull().default(sql`'{}'::text[]`),
    ignoreVersionSuffix: boolean("ignore_version_suffix").notNull().default(false),
    reportUnexpected: boolean("report_unexpected").notNull().default(false),
    manageAssignments: boolean("manage_assignments").notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("baseline_profiles_workspace_name_unique").on(t.workspaceId, sql`lower(${t.name})`)],
);

/** Evidence read from a tenant by one run (capture or compare), file by file; the resume point of a retry. */
export const evidenceCaptures = pgTable("evidence_captures", {
  id: uuid("id").primaryKey().defaultRandom(),
  workspaceId: uuid("workspace_id")
    .notNull()
    .references(() => workspaces.id, { onDelete: "cascade" }),
  tenantId: uuid("tenant_id")
    .notNull()
    .references(() => tenants.id, { onDelete: "cascade" }),
  runId: uuid("run_id")
    .notNull()
    .unique()
    .references(() => operationRuns.id, { onDelete: "cascade" }),
  /** Total entries the source listed when the capture began. */
  totalCount: integer("total_count").notNull(),
  startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
  completedAt: timestamp("completed_at", { withTimezone: true }),
});

/** One entry read by an evidence capture: a policy (by content hash) or an unreadable file. */
export const evidenceCaptureItems = pgTable(
  "evidence_capture_items",
  {
    captureId: uuid("capture_id")
      .notNull()
      .references(() => evidenceCaptures.id, { onDelete: "cascade" }),
    sourceFile: text("source_file").notNull(),
    policyHash: text("policy_hash").references(() => policyVersions.hash),
    policyKind: text("policy_kind"),
    policyName: text("policy_name"),
    /** Set when the entry could not be read: a reason key ("not_json", …). */
    unreadableReason: text("unreadable_reason"),
    /** Internal detail for diagnostics only. */
    unreadableDetail: text("unreadable_detail"),
    /** The run attempt that read this entry: shows a resumed capture never read an entry twice. */
    runAttempt: integer("run_attempt").notNull(),
  },
  (t) => [primaryKey({ columns: [t.captureId, t.sourceFile] })],
);

/** An immutable capture of the source tenant's in-scope policies for a profile. */
export const baselineSnapshots = pgTable(
  "baseline_snapshots",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    profileId: uuid("profile_id")
      .notNull()
      .references(() => baselineProfiles.id, { onDelete: "cascade" }),
    sourceTenantId: uuid("source_tenant_id")
      .notNull()
      .references(() => tenants.id),
    runId: uuid("run_id")
      .notNull()
      .unique()
      .references(() => operationRuns.id),
    normalizerVersion: integer("normalizer_version").notNull(),
    policyCount: integer("policy_count").notNull(),
    capturedAt: timestamp("captured_at", { withTimezone: true }).notNull(),
  },
  (t) => [index("baseline_snapshots_profile_captured").on(t.profileId, t.capturedAt.desc())],
);

/** The policies of a baseline snapshot, by content hash. */
export const baselineSnapshotItems = pgTable(
  "baseline_snapshot_items",
  {
    snapshotId: uuid("snapshot_id")
      .notNull()
      .references(() => baselineSnapshots.id, { onDelete: "cascade" }),
    sourceFile: text("source_file").notNull(),
    policyHash: text("policy_hash")
      .notNull()
      .references(() => policyVersions.hash),
    policyKind: text("policy_kind").notNull(),
    policyName: text("policy_name").notNull(),
  },
  (t) => [primaryKey({ columns: [t.snapshotId, t.sourceFile] })],
);

/** One difference between a tenant and a baseline, with a lifecycle (open → resolved → reopened). */
export const driftFindings = pgTable(
  "drift_findings",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    profileId: uuid("profile_id")
      .notNull()
      .references(() => baselineProfiles.id, { onDelete: "cascade" }),
    fingerprint: text("fingerprint").notNull(),
    kind: text("kind").notNull(),
    policyKind: text("policy_kind").notNull(),
    policyName: text("policy_name").notNull(),
    policyIdentity: text("policy_identity").notNull(),
    path: text("path"),
    expected: jsonb("expected"),
    actual: jsonb("actual"),
    probableRename: text("probable_rename"),
    status: text("status").notNull(),
    firstSeenAt: timestamp("first_seen_at", { withTimezone: true }).notNull(),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull(),
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
    firstRunId: uuid("first_run_id").notNull(),
    lastRunId: uuid("last_run_id").notNull(),
  },
  (t) => [
    uniqueIndex("drift_findings_fingerprint_unique").on(t.tenantId, t.profileId, t.fingerprint),
    index("drift_findings_workspace_status").on(t.workspaceId, t.status),
    check("drift_findings_status_check", sql`${t.status} in ('open', 'resolved', 'reopened')`),
  ],
);

/** Terminal notifications, one per run for its initiator. */
export const notifications = pgTable(
  "notifications",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    runId: uuid("run_id")
      .notNull()
      .references(() => operationRuns.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    body: text("body").notNull(),
    url: text("url").notNull(),
    createdAt: createdAt(),
    readAt: timestamp("read_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("notifications_user_run_unique").on(t.userId, t.runId),
    index("notifications_user_unread").on(t.userId, t.createdAt.desc()),
  ],
);

/** Browser sessions. The cookie carries a random token; only its sha256 is stored. */
export const sessions = pgTable(
  "sessions",
  {
    /** sha256 hex of the session token in the cookie. */
    tokenHash: text("token_hash").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** Synchronizer token every state-changing form and htmx request must echo. */
    csrfToken: text("csrf_token").notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (t) => [index("sessions_user").on(t.userId)],
);

/** Per-user API tokens for the JSON API and the CLI's --server mode; only a hash is stored. */
export const apiTokens = pgTable(
  "api_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** sha256 hex of the token. */
    tokenHash: text("token_hash").notNull().unique(),
    createdAt: createdAt(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [index("api_tokens_user").on(t.userId)],
);

/** Sign-in attempts, for the failed sign-in rate limit (by email and by client address). */
export const signInAttempts = pgTable(
  "sign_in_attempts",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    email: text("email").notNull(),
    clientAddress: text("client_address").notNull(),
    succeeded: boolean("succeeded").notNull(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("sign_in_attempts_email_at").on(sql`lower(${t.email})`, t.at),
    index("sign_in_attempts_address_at").on(t.clientAddress, t.at),
  ],
);

/**
 * A tenant-level summary of collected truth for one review window (DESIGN.md §1): inventory
 * coverage, drift per baseline profile and counts of the tenant's operation runs, each count
 * traceable to the run ids it counts. `content` is reviews/review-content.ts's
 * `EvidenceSnapshotContent`. Immutable once `status = 'complete'` (a trigger rejects updates).
 */
export const evidenceSnapshots = pgTable(
  "evidence_snapshots",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    /** The run that generated it: an `evidence_snapshot.generate` run, or the `tenant.review.compose` run that had to generate it first. */
    runId: uuid("run_id")
      .notNull()
      .unique()
      .references(() => operationRuns.id),
    /** Review window, half-open: [window_start, window_end). */
    windowStart: timestamp("window_start", { withTimezone: true }).notNull(),
    windowEnd: timestamp("window_end", { withTimezone: true }).notNull(),
    status: text("status").notNull().default("generating"),
    content: jsonb("content").notNull().default({}),
    createdAt: createdAt(),
    completedAt: timestamp("completed_at", { withTimezone: true }),
  },
  (t) => [
    index("evidence_snapshots_tenant_window").on(t.tenantId, t.windowStart, t.windowEnd, t.completedAt.desc()),
    check("evidence_snapshots_status_check", sql`${t.status} in ('generating', 'complete')`),
    check("evidence_snapshots_window_check", sql`${t.windowStart} < ${t.windowEnd}`),
    check("evidence_snapshots_completed_check", sql`(${t.status} = 'complete') = (${t.completedAt} is not null)`),
  ],
);

/**
 * A composed review of one tenant for one period, built from one evidence snapshot
 * (DESIGN.md §1). `sections` is reviews/review-content.ts's `ReviewSection[]`. Goes draft → ready;
 * a ready review never changes (a trigger rejects updates).
 */
export const tenantReviews = pgTable(
  "tenant_reviews",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    tenantId: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    /** The `tenant.review.compose` run that composes it. */
    runId: uuid("run_id")
      .notNull()
      .unique()
      .references(() => operationRuns.id),
    /** Review period, half-open: [period_start, period_end). */
    periodStart: timestamp("period_start", { withTimezone: true }).notNull(),
    periodEnd: timestamp("period_end", { withTimezone: true }).notNull(),
    /** Operator-facing period name, e.g. "November 2026", "Q4 2026", "2026-11-01 to 2026-11-15". */
    periodLabel: text("period_label").notNull(),
    status: text("status").notNull().default("draft"),
    evidenceSnapshotId: uuid("evidence_snapshot_id").references(() => evidenceSnapshots.id),
    /** The latest ready review of the same tenant with an earlier period, for "change since the previous review". */
    previousReviewId: uuid("previous_review_id"),
    sections: jsonb("sections").notNull().default([]),
    createdAt: createdAt(),
    readyAt: timestamp("ready_at", { withTimezone: true }),
  },
  (t) => [
    index("tenant_reviews_tenant_period").on(t.tenantId, t.periodStart.desc(), t.createdAt.desc()),
    check("tenant_reviews_status_check", sql`${t.status} in ('draft', 'ready')`),
    check("tenant_reviews_period_check", sql`${t.periodStart} < ${t.periodEnd}`),
    check(
      "tenant_reviews_ready_check",
      sql`(${t.status} = 'ready') = (${t.readyAt} is not null) and (${t.status} = 'draft' or ${t.evidenceSnapshotId} is not null)`,
    ),
  ],
);

/**
 * How a tenant connects to Microsoft Graph with an app registration (issue 5). The client secret or
 * the certificate's private key is stored only encrypted (graph/credential-encryption.ts, bound to
 * the tenant); everything else here is public. One per tenant.
 */
export const tenantGraphConnections = pgTable(
  "tenant_graph_connections",
  {
    tenantId: uuid("tenant_id")
      .primaryKey()
      .references(() => tenants.id, { onDelete: "cascade" }),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    /** Microsoft Entra tenant id (GUID, lower case). */
    entraTenantId: text("entra_tenant_id").notNull(),
    /** Application (client) id of the app registration (GUID, lower case). */
    clientId: text("client_id").notNull(),
    credentialKind: text("credential_kind").notNull(),
    /** `tpenc:v1:<keyId>:…`: the client secret, or the certificate's PEM private key. Never plain text. */
    encryptedCredential: text("encrypted_credential").notNull(),
    /** The public certificate (PEM), for client_certificate. */
    certificatePem: text("certificate_pem"),
    /** SHA-1 thumbprint (hex, upper case): what the Entra portal shows, and the x5t header. */
    certificateThumbprintSha1: text("certificate_thumbprint_sha1"),
    /** SHA-256 thumbprint (hex, upper case). */
    certificateThumbprintSha256: text("certificate_thumbprint_sha256"),
    certificateExpiresAt: timestamp("certificate_expires_at", { withTimezone: true }),
    /** Entra authority host. (Default: https://login.microsoftonline.com) */
    authorityHost: text("authority_host").notNull(),
    /** Microsoft Graph base URL. (Default: https://graph.microsoft.com) */
    graphBaseUrl: text("graph_base_url").notNull(),
    /** A CA certificate (PEM) to trust for the two hosts above: for self-hosted or simulated endpoints. Not secret. */
    caCertificatePem: text("ca_certificate_pem"),
    /** Outcome key of the latest "Test connection" (graph/graph-connection-test.ts), null until tested. */
    lastTestResult: text("last_test_result"),
    lastTestedAt: timestamp("last_tested_at", { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("tenant_graph_connections_workspace").on(t.workspaceId),
    check(
      "tenant_graph_connections_credential_kind_check",
      sql`${t.credentialKind} in ('client_secret', 'client_certificate')`,
    ),
    check(
      "tenant_graph_connections_certificate_check",
      sql`(${t.credentialKind} = 'client_certificate') = (${t.certificateThumbprintSha1} is not null)`,
    ),
  ],
);
