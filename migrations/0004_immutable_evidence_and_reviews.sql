-- A complete evidence snapshot and a ready tenant review never change (issue 4, DESIGN.md §1).
-- Enforced in the database, so no code path (or hand-written SQL) can edit what a review was built from.
CREATE FUNCTION tenantpilot_reject_update_of_final_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% % is final and cannot be changed', TG_TABLE_NAME, OLD.id
    USING ERRCODE = 'check_violation';
END
$$;
--> statement-breakpoint
CREATE TRIGGER evidence_snapshots_immutable_when_complete
  BEFORE UPDATE ON evidence_snapshots
  FOR EACH ROW WHEN (OLD.status = 'complete')
  EXECUTE FUNCTION tenantpilot_reject_update_of_final_row();
--> statement-breakpoint
CREATE TRIGGER tenant_reviews_immutable_when_ready
  BEFORE UPDATE ON tenant_reviews
  FOR EACH ROW WHEN (OLD.status = 'ready')
  EXECUTE FUNCTION tenantpilot_reject_update_of_final_row();
