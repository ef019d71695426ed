/**
 * The Hono environment of the web app: dependencies and what the session middleware found.
 * @module
 */
import type { Logger } from "pino";
import type { Operator } from "../access/authentication.js";
import type { Db } from "../db/database.js";
import type { KeyRing } from "../graph/credential-encryption.js";
import type { RunChangeListener } from "../operations/run-events.js";
import type { RunService } from "../operations/run-service.js";

/** What routes need, passed once to createApp. */
export interface WebDeps {
  db: Db;
  runs: RunService;
  logger: Logger;
  now: () => Date;
  /** Job attempts of runs started from the web. */
  runMaxAttempts: number;
  staleAfterMs: number;
  /**
   * The process's one LISTEN connection (started by the caller). Without it /events only replays
   * from the client's cursor and sends nothing live.
   */
  runChanges?: RunChangeListener;
  /** Keys of stored credentials (Graph connections). Without it, connecting a tenant answers credential_key_missing. */
  keyRing?: KeyRing;
  /** True behind TLS (sets the Secure cookie flag). (Default: false) */
  secureCookies?: boolean;
  /** The Chromium that renders review PDF exports (config CHROMIUM_PATH). (Default: "/usr/bin/chromium", Debian's package) */
  chromiumPath?: string;
  /**
   * The demo's local Graph simulator (`serve --demo-data`), when it runs: its tenant's connect page
   * shows these values and fills the form with them. (Default: none)
   */
  demoGraph?: DemoGraphConnectValues;
}

/**
 * What connects the demo's Graph tenant to the local simulator. Demo values only: the client secret
 * opens nothing but that simulator, so the page may show it.
 */
export interface DemoGraphConnectValues {
  /** The simulated Entra tenant: the connect page of the tenant with this Entra tenant id shows the box. */
  entraTenantId: string;
  clientId: string;
  clientSecret: string;
  authorityHost: string;
  graphBaseUrl: string;
  /** The simulator's certificate (PEM), the CA to trust for it. */
  caCertificatePem: string;
  /** Where the certificate is on disk, for `--ca-file`. */
  caFile: string;
}

/** Hono env: `c.var.operator` is set by the session middleware when someone is signed in. */
export interface AppEnv {
  Variables: {
    operator: Operator | undefined;
    /** The session's synchronizer token (cookie sessions only). */
    csrfToken: string | undefined;
    /** How the request authenticated. */
    authenticatedBy: "session" | "api_token" | undefined;
    /** Unread notifications of the signed-in browser session, for the layout's bell (page requests only). */
    unreadNotifications: number | undefined;
  };
}
