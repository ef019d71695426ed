#!/usr/bin/env node
// Entry of the `tenantpilot` bin: runs the TypeScript sources through tsx's loader.
// tsx looks for tsconfig.json in the current directory; naming the project's own makes JSX
// (hono/jsx) compile the same from any working directory (STACK.md G26: without it, a .tsx file
// is compiled for React and fails with "React is not defined").
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

register({ tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)) });
const { runCli } = await import("../src/cli/main.ts");
process.exit(await runCli(process.argv));
