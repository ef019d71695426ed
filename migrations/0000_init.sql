CREATE TABLE "baseline_profiles" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"name" text NOT NULL,
	"source_tenant_id" uuid NOT NULL,
	"policy_kinds" text[] DEFAULT '{}'::text[] NOT NULL,
	"ignore_version_suffix" boolean DEFAULT false NOT NULL,
	"report_unexpected" boolean DEFAULT false NOT NULL,
	"manage_assignments" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "baseline_snapshot_items" (
	"snapshot_id" uuid NOT NULL,
	"source_file" text NOT NULL,
	"policy_hash" text NOT NULL,
	"policy_kind" text NOT NULL,
	"policy_name" text NOT NULL,
	CONSTRAINT "baseline_snapshot_items_snapshot_id_source_file_pk" PRIMARY KEY("snapshot_id","source_file")
);
--> statement-breakpoint
CREATE TABLE "baseline_snapshots" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"profile_id" uuid NOT NULL,
	"source_tenant_id" uuid NOT NULL,
	"run_id" uuid NOT NULL,
	"normalizer_version" integer NOT NULL,
	"policy_count" integer NOT NULL,
	"captured_at" timestamp with time zone NOT NULL,
	CONSTRAINT "baseline_snapshots_run_id_unique" UNIQUE("run_id")
);
--> statement-breakpoint
CREATE TABLE "drift_findings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"tenant_id" uuid NOT NULL,
	"profile_id" uuid NOT NULL,
	"fingerprint" text NOT NULL,
	"kind" text NOT NULL,
	"policy_kind" text NOT NULL,
	"policy_name" text NOT NULL,
	"policy_identity" text NOT NULL,
	"path" text,
	"expected" jsonb,
	"actual" jsonb,
	"probable_rename" text,
	"status" text NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone,
	"first_run_id" uuid NOT NULL,
	"last_run_id" uuid NOT NULL,
	CONSTRAINT "drift_findings_status_check" CHECK ("drift_findings"."status" in ('open', 'resolved', 'reopened'))
);
--> statement-breakpoint
CREATE TABLE "evidence_capture_items" (
	"capture_id" uuid NOT NULL,
	"source_file" text NOT NULL,
	"policy_hash" text,
	"policy_kind" text,
	"policy_name" text,
	"unreadable_reason" text,
	"unreadable_detail" text,
	"run_attempt" integer NOT NULL,
	CONSTRAINT "evidence_capture_items_capture_id_source_file_pk" PRIMARY KEY("capture_id","source_file")
);
--> statement-breakpoint
CREATE TABLE "evidence_captures" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"tenant_id" uuid NOT NULL,
	"run_id" uuid NOT NULL,
	"total_count" integer NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"completed_at" timestamp with time zone,
	CONSTRAINT "evidence_captures_run_id_unique" UNIQUE("run_id")
);
--> statement-breakpoint
CREATE TABLE "memberships" (
	"workspace_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"role" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "memberships_workspace_id_user_id_pk" PRIMARY KEY("workspace_id","user_id"),
	CONSTRAINT "memberships_role_check" CHECK ("memberships"."role" in ('owner', 'manager', 'operator', 'reader'))
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"workspace_id" uuid NOT NULL,
	"run_id" uuid NOT NULL,
	"title" text NOT NULL,
	"body" text NOT NULL,
	"url" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"read_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "operation_run_events" (
	"run_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"status" text NOT NULL,
	"outcome" text,
	"phase" text,
	CONSTRAINT "operation_run_events_run_id_version_pk" PRIMARY KEY("run_id","version")
);
--> statement-breakpoint
CREATE TABLE "operation_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"tenant_id" uuid,
	"type" text NOT NULL,
	"initiator_user_id" uuid,
	"initiator_label" text,
	"status" text DEFAULT 'queued' NOT NULL,
	"outcome" text,
	"identity_key" text NOT NULL,
	"context" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"summary_counts" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"failure" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"heartbeat_at" timestamp with time zone,
	"attempt" integer DEFAULT 0 NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"worker_id" text,
	"job_id" bigint,
	"change_seq" bigserial NOT NULL,
	CONSTRAINT "operation_runs_status_check" CHECK ("operation_runs"."status" in ('queued', 'running', 'completed')),
	CONSTRAINT "operation_runs_outcome_check" CHECK (("operation_runs"."status" = 'completed') = ("operation_runs"."outcome" is not null) and ("operation_runs"."outcome" is null or "operation_runs"."outcome" in ('succeeded', 'partially_succeeded', 'failed', 'blocked', 'cancelled')))
);
--> statement-breakpoint
CREATE TABLE "policy_versions" (
	"hash" text PRIMARY KEY NOT NULL,
	"policy_kind" text NOT NULL,
	"normalizer_version" integer NOT NULL,
	"content" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tenants" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"name" text NOT NULL,
	"entra_tenant_id" text,
	"evidence_source" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"display_name" text NOT NULL,
	"password_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "workspaces" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"slug" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workspaces_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
ALTER TABLE "baseline_profiles" ADD CONSTRAINT "baseline_profiles_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "baseline_profiles" ADD CONSTRAINT "baseline_profiles_source_tenant_id_tenants_id_fk" FOREIGN KEY ("source_tenant_id") REFERENCES "public"."tenants"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "baseline_snapshot_items" ADD CONSTRAINT "baseline_snapshot_items_snapshot_id_baseline_snapshots_id_fk" FOREIGN KEY ("snapshot_id") REFERENCES "public"."baseline_snapshots"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "baseline_snapshot_items" ADD CONSTRAINT "baseline_snapshot_items_policy_hash_policy_versions_hash_fk" FOREIGN KEY ("policy_hash") REFERENCES "public"."policy_versions"("hash") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "baseline_snapshots" ADD CONSTRAINT "baseline_snapshots_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "baseline_snapshots" ADD CONSTRAINT "baseline_snapshots_profile_id_baseline_profiles_id_fk" FOREIGN KEY ("profile_id") REFERENCES "public"."baseline_profiles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "baseline_snapshots" ADD CONSTRAINT "baseline_snapshots_source_tenant_id_tenants_id_fk" FOREIGN KEY ("source_tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "baseline_snapshots" ADD CONSTRAINT "baseline_snapshots_run_id_operation_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."operation_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "drift_findings" ADD CONSTRAINT "drift_findings_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "drift_findings" ADD CONSTRAINT "drift_findings_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "drift_findings" ADD CONSTRAINT "drift_findings_profile_id_baseline_profiles_id_fk" FOREIGN KEY ("profile_id") REFERENCES "public"."baseline_profiles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evidence_capture_items" ADD CONSTRAINT "evidence_capture_items_capture_id_evidence_captures_id_fk" FOREIGN KEY ("capture_id") REFERENCES "public"."evidence_captures"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evidence_capture_items" ADD CONSTRAINT "evidence_capture_items_policy_hash_policy_versions_hash_fk" FOREIGN KEY ("policy_hash") REFERENCES "public"."policy_versions"("hash") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evidence_captures" ADD CONSTRAINT "evidence_captures_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evidence_captures" ADD CONSTRAINT "evidence_captures_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evidence_captures" ADD CONSTRAINT "evidence_captures_run_id_operation_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."operation_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_run_id_operation_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."operation_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "operation_run_events" ADD CONSTRAINT "operation_run_events_run_id_operation_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."operation_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "operation_runs" ADD CONSTRAINT "operation_runs_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "operation_runs" ADD CONSTRAINT "operation_runs_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "operation_runs" ADD CONSTRAINT "operation_runs_initiator_user_id_users_id_fk" FOREIGN KEY ("initiator_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenants" ADD CONSTRAINT "tenants_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "baseline_profiles_workspace_name_unique" ON "baseline_profiles" USING btree ("workspace_id",lower("name"));--> statement-breakpoint
CREATE INDEX "baseline_snapshots_profile_captured" ON "baseline_snapshots" USING btree ("profile_id","captured_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "drift_findings_fingerprint_unique" ON "drift_findings" USING btree ("tenant_id","profile_id","fingerprint");--> statement-breakpoint
CREATE INDEX "drift_findings_workspace_status" ON "drift_findings" USING btree ("workspace_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "notifications_user_run_unique" ON "notifications" USING btree ("user_id","run_id");--> statement-breakpoint
CREATE INDEX "notifications_user_unread" ON "notifications" USING btree ("user_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "operation_runs_one_active_per_identity" ON "operation_runs" USING btree ("identity_key") WHERE "operation_runs"."status" in ('queued', 'running');--> statement-breakpoint
CREATE INDEX "operation_runs_workspace_created" ON "operation_runs" USING btree ("workspace_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "operation_runs_active_by_tenant" ON "operation_runs" USING btree ("workspace_id","tenant_id") WHERE "operation_runs"."status" in ('queued', 'running');--> statement-breakpoint
CREATE INDEX "operation_runs_change_seq" ON "operation_runs" USING btree ("change_seq");--> statement-breakpoint
CREATE INDEX "operation_runs_running_heartbeat" ON "operation_runs" USING btree ("heartbeat_at") WHERE "operation_runs"."status" = 'running';--> statement-breakpoint
CREATE UNIQUE INDEX "tenants_workspace_name_unique" ON "tenants" USING btree ("workspace_id",lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_unique" ON "users" USING btree (lower("email"));