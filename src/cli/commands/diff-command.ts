/**
 * `tenantpilot diff BASELINE_DIR CURRENT_DIR`: the drift engine on two export folders, no database
 * (DESIGN.md §10). Exit 0 when it compared, 1 with --fail-on-drift when findings exist or files
 * could not be read (drift cannot be ruled out), 2 on bad input.
 * @module
 */
import { EXIT_FAILED, EXIT_OK } from "../exit-codes.js";
import { diffExportFolders, formatDiffReport } from "./diff.js";

/** Run the diff and print the report. @throws {OperatorError} evidence_source_unreachable for a missing folder */
export async function diffCommand(
  baselineDir: string,
  currentDir: string,
  options: { json: boolean; ignoreVersionSuffix?: boolean; failOnDrift?: boolean },
): Promise<number> {
  const report = await diffExportFolders(baselineDir, currentDir, {
    ignoreVersionSuffix: options.ignoreVersionSuffix === true,
  });
  process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatDiffReport(report)}\n`);
  // Unreadable files mean drift cannot be ruled out: with --fail-on-drift that fails too.
  const incomplete = report.baseline.unreadable.length + report.current.unreadable.length > 0;
  return options.failOnDrift && (report.findings.length > 0 || incomplete) ? EXIT_FAILED : EXIT_OK;
}
