CREATE TABLE "tenant_graph_connections" (
	"tenant_id" uuid PRIMARY KEY NOT NULL,
	"workspace_id" uuid NOT NULL,
	"entra_tenant_id" text NOT NULL,
	"client_id" text NOT NULL,
	"credential_kind" text NOT NULL,
	"encrypted_credential" text NOT NULL,
	"certificate_pem" text,
	"certificate_thumbprint_sha1" text,
	"certificate_thumbprint_sha256" text,
	"certificate_expires_at" timestamp with time zone,
	"authority_host" text NOT NULL,
	"graph_base_url" text NOT NULL,
	"ca_certificate_pem" text,
	"last_test_result" text,
	"last_tested_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tenant_graph_connections_credential_kind_check" CHECK ("tenant_graph_connections"."credential_kind" in ('client_secret', 'client_certificate')),
	CONSTRAINT "tenant_graph_connections_certificate_check" CHECK (("tenant_graph_connections"."credential_kind" = 'client_certificate') = ("tenant_graph_connections"."certificate_thumbprint_sha1" is not null))
);
--> statement-breakpoint
ALTER TABLE "tenant_graph_connections" ADD CONSTRAINT "tenant_graph_connections_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenant_graph_connections" ADD CONSTRAINT "tenant_graph_connections_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "tenant_graph_connections_workspace" ON "tenant_graph_connections" USING btree ("workspace_id");