/**
 * Operator error codes → HTTP status: exhaustive, so a new code without a status fails to compile.
 * @module
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { OperatorErrorCode } from "../shared/operator-error.js";

/** HTTP status of each operator error code. */
export const HTTP_STATUS_BY_CODE: Readonly<Record<OperatorErrorCode, ContentfulStatusCode>> = {
  not_found: 404,
  forbidden: 403,
  invalid_input: 400,
  export_folder_missing: 400,
  export_folder_empty: 400,
  evidence_source_unreachable: 422,
  evidence_source_empty: 422,
  evidence_partially_unreadable: 422,
  export_malformed: 422,
  no_baseline_snapshot: 409,
  tenant_not_connected: 409,
  worker_lost: 500,
  interrupted: 500,
  cancelled: 409,
  database_unavailable: 503,
  unauthenticated: 401,
  sign_in_failed: 401,
  sign_in_rate_limited: 429,
  csrf_failed: 403,
  payload_too_large: 413,
  review_not_ready: 409,
  pdf_export_unavailable: 503,
  internal_error: 500,
  credential_key_missing: 500,
  credential_undecryptable: 500,
  graph_not_connected: 409,
  graph_sign_in_failed: 502,
  graph_tls_untrusted: 502,
  graph_sign_in_unreachable: 502,
};
