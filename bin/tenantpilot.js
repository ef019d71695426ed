#!/usr/bin/env node
// Entry of the `tenantpilot` bin: runs the TypeScript sources through tsx's loader.
import { register } from "tsx/esm/api";

register();
const { runCli } = await import("../src/cli/main.ts");
process.exit(await runCli(process.argv));
