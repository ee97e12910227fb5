#!/usr/bin/env node
// cdf-workflow-retry command line: retries, lists, gets, waits for and cancels CDF workflow
// executions. Installed as the package's `bin` (scripts/build.mjs copies this file to
// pkg/cli.js and bin/cli-core.mjs to pkg/cli-core.js), so it imports the Node entry and the
// command line's module that sit beside it there; it is never run from bin/.
// A namespace import: a function this build of the package lacks is reported when a command
// needs it, instead of breaking every command at load.
import * as lib from "./node.js";
import { run } from "./cli-core.js";

await run(lib);
