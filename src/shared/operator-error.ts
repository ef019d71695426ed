/**
 * Operator-safe errors: a stable code, the one sentence an operator may see, and the internal
 * message and cause kept apart for logs and diagnostics (STYLE.md §4, DESIGN.md §2 `failure`).
 * @module
 */

/** Codes an operator may see, with the only sentence they will see. Add a code here before throwing it. */
export const OPERATOR_ERRORS = {
  not_found: "This item does not exist or you do not have access to it.",
  forbidden: "You do not have permission to do this.",
  invalid_input: "The request is not valid. Check the values and try again.",
  export_folder_missing: "The export folder does not exist or is not a folder.",
  export_folder_empty: "The export folder contains no Intune policy exports (*.json files).",
  evidence_source_unreachable: "The tenant's evidence source could not be read.",
  evidence_source_empty: "The tenant's evidence source contains no policies in the baseline's scope.",
  evidence_partially_unreadable: "Some policies in the tenant's evidence source could not be read.",
  export_malformed: "The export could not be read: it is not valid Intune policy JSON.",
  no_baseline_snapshot: "This baseline profile has no snapshot yet. Capture a baseline first.",
  tenant_not_connected: "The tenant has no evidence source connected.",
  worker_lost: "The worker running this operation stopped responding and the operation could not be resumed.",
  interrupted: "The operation was interrupted before it finished: its worker was stopped. Start it again to redo it.",
  cancelled: "The operation was cancelled.",
  database_unavailable: "The database could not be started or reached.",
  unauthenticated: "Sign in to continue.",
  sign_in_failed: "The email address or password is not right.",
  sign_in_rate_limited: "Too many failed sign-ins. Wait 15 minutes and try again.",
  csrf_failed: "This form has expired or did not come from TenantPilot. Reload the page and try again.",
  payload_too_large: "The request is too large.",
  review_not_ready: "This review is still a draft: it can be exported once it is ready.",
  pdf_export_unavailable:
    "PDF export is not available on this server: Chromium is not installed or could not be started.",
  internal_error: "The operation failed unexpectedly. The details were recorded.",
  credential_key_missing:
    "Stored credentials cannot be used: no encryption key is configured for them. Set TENANTPILOT_SECRET_KEYS.",
  credential_undecryptable:
    "A stored credential could not be decrypted: it was changed, or it belongs to another tenant or another encryption key.",
  graph_not_connected: "The tenant is not connected to Microsoft Graph with an app registration.",
  graph_sign_in_failed:
    "Microsoft Entra ID refused the tenant's app registration (tenant id, client id, secret or certificate). Test the connection on the tenant's Microsoft Graph page.",
  graph_tls_untrusted:
    "Microsoft Entra ID or Microsoft Graph presented a TLS certificate this server does not trust. Add its CA certificate on the tenant's Microsoft Graph page.",
  graph_sign_in_unreachable:
    "Microsoft Entra ID (the sign-in endpoint) could not be reached from this server. Test the connection on the tenant's Microsoft Graph page.",
} as const;

/** One key of {@link OPERATOR_ERRORS}. */
export type OperatorErrorCode = keyof typeof OPERATOR_ERRORS;

/** True when `value` is a known operator error code (guards stored, untrusted values). */
export function isOperatorErrorCode(value: unknown): value is OperatorErrorCode {
  return typeof value === "string" && Object.hasOwn(OPERATOR_ERRORS, value);
}

/** Options of an {@link OperatorError}: the cause, and an operator-safe detail line. */
export interface OperatorErrorOptions extends ErrorOptions {
  /**
   * A second line an operator may see (the CLI prints it under the sentence): written as copy about
   * what the operator gave (a tenant or folder by name, a variable to set), never ids they did not
   * give, transport text or a stack. Absent: the operator sees the sentence alone.
   */
  detail?: string;
}

/**
 * An expected failure. `message` is for logs and diagnostics; {@link OperatorError.operatorMessage}
 * (and {@link OperatorError.detail}, when set) is all an operator sees. Retrying will not fix it,
 * so run tasks complete the run at once.
 */
export class OperatorError extends Error {
  override name = "OperatorError";
  readonly code: OperatorErrorCode;
  /** Operator-safe detail line, see {@link OperatorErrorOptions.detail}. */
  readonly detail: string | undefined;

  constructor(code: OperatorErrorCode, internalMessage?: string, options?: OperatorErrorOptions) {
    const { detail, ...errorOptions } = options ?? {};
    super(internalMessage ?? code, errorOptions);
    this.code = code;
    this.detail = detail;
  }

  /** The operator-safe sentence for {@link OperatorError.code}. */
  get operatorMessage(): string {
    return OPERATOR_ERRORS[this.code];
  }
}

/**
 * Normalise anything thrown into an `Error` (graphile-worker's `coerceError`): strings and
 * non-error objects become an `Error` whose message describes them.
 */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) {
    return thrown;
  }
  if (typeof thrown === "string") {
    return new Error(thrown);
  }
  let text: string;
  try {
    text = JSON.stringify(thrown) ?? String(thrown);
  } catch {
    text = String(thrown); // cyclic or hostile objects: fall back to the tag
  }
  return new Error(`Non-error value thrown: ${text}`);
}
