CREATE TABLE "evidence_snapshots" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"tenant_id" uuid NOT NULL,
	"run_id" uuid NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"window_end" timestamp with time zone NOT NULL,
	"status" text DEFAULT 'generating' NOT NULL,
	"content" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone,
	CONSTRAINT "evidence_snapshots_run_id_unique" UNIQUE("run_id"),
	CONSTRAINT "evidence_snapshots_status_check" CHECK ("evidence_snapshots"."status" in ('generating', 'complete')),
	CONSTRAINT "evidence_snapshots_window_check" CHECK ("evidence_snapshots"."window_start" < "evidence_snapshots"."window_end"),
	CONSTRAINT "evidence_snapshots_completed_check" CHECK (("evidence_snapshots"."status" = 'complete') = ("evidence_snapshots"."completed_at" is not null))
);
--> statement-breakpoint
CREATE TABLE "tenant_reviews" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"tenant_id" uuid NOT NULL,
	"run_id" uuid NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"period_end" timestamp with time zone NOT NULL,
	"period_label" text NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"evidence_snapshot_id" uuid,
	"previous_review_id" uuid,
	"sections" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ready_at" timestamp with time zone,
	CONSTRAINT "tenant_reviews_run_id_unique" UNIQUE("run_id"),
	CONSTRAINT "tenant_reviews_status_check" CHECK ("tenant_reviews"."status" in ('draft', 'ready')),
	CONSTRAINT "tenant_reviews_period_check" CHECK ("tenant_reviews"."period_start" < "tenant_reviews"."period_end"),
	CONSTRAINT "tenant_reviews_ready_check" CHECK (("tenant_reviews"."status" = 'ready') = ("tenant_reviews"."ready_at" is not null) and ("tenant_reviews"."status" = 'draft' or "tenant_reviews"."evidence_snapshot_id" is not null))
);
--> statement-breakpoint
ALTER TABLE "evidence_snapshots" ADD CONSTRAINT "evidence_snapshots_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evidence_snapshots" ADD CONSTRAINT "evidence_snapshots_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evidence_snapshots" ADD CONSTRAINT "evidence_snapshots_run_id_operation_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."operation_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenant_reviews" ADD CONSTRAINT "tenant_reviews_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenant_reviews" ADD CONSTRAINT "tenant_reviews_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenant_reviews" ADD CONSTRAINT "tenant_reviews_run_id_operation_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."operation_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenant_reviews" ADD CONSTRAINT "tenant_reviews_evidence_snapshot_id_evidence_snapshots_id_fk" FOREIGN KEY ("evidence_snapshot_id") REFERENCES "public"."evidence_snapshots"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "evidence_snapshots_tenant_window" ON "evidence_snapshots" USING btree ("tenant_id","window_start","window_end","completed_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "tenant_reviews_tenant_period" ON "tenant_reviews" USING btree ("tenant_id","period_start" DESC NULLS LAST,"created_at" DESC NULLS LAST);