/**
 * CLI exit codes: 0 done, 1 the work failed (or drift found with --fail-on-drift), 2 bad input.
 * Exhaustive over operator error codes, so a new code without a mapping fails to compile.
 * @module
 */
import type { OperatorErrorCode } from "../shared/operator-error.js";

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_BAD_INPUT = 2;

/** Exit code for each operator error code. */
export const EXIT_CODE_BY_ERROR: Readonly<Record<OperatorErrorCode, number>> = {
  not_found: EXIT_BAD_INPUT,
  forbidden: EXIT_BAD_INPUT,
  invalid_input: EXIT_BAD_INPUT,
  export_folder_missing: EXIT_BAD_INPUT,
  export_folder_empty: EXIT_BAD_INPUT,
  evidence_source_unreachable: EXIT_BAD_INPUT,
  evidence_source_empty: EXIT_BAD_INPUT,
  evidence_partially_unreadable: EXIT_FAILED,
  export_malformed: EXIT_BAD_INPUT,
  no_baseline_snapshot: EXIT_BAD_INPUT,
  tenant_not_connected: EXIT_BAD_INPUT,
  worker_lost: EXIT_FAILED,
  interrupted: EXIT_FAILED,
  cancelled: EXIT_FAILED,
  database_unavailable: EXIT_FAILED,
  unauthenticated: EXIT_BAD_INPUT,
  sign_in_failed: EXIT_BAD_INPUT,
  sign_in_rate_limited: EXIT_FAILED,
  csrf_failed: EXIT_BAD_INPUT,
  payload_too_large: EXIT_BAD_INPUT,
  review_not_ready: EXIT_BAD_INPUT,
  pdf_export_unavailable: EXIT_FAILED,
  internal_error: EXIT_FAILED,
  credential_key_missing: EXIT_FAILED,
  credential_undecryptable: EXIT_FAILED,
  graph_not_connected: EXIT_BAD_INPUT,
  graph_sign_in_failed: EXIT_FAILED,
  graph_tls_untrusted: EXIT_FAILED,
  graph_sign_in_unreachable: EXIT_FAILED,
};
