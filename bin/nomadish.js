#!/usr/bin/env node
// Entry point of the `nomadish` command: the CLI (dist/cli) plus the agent command (dist/agent),
// which is where servers and clients are put into a process, and `dev`, a local cluster.
import { main } from "../dist/cli/main.js";
import { agentCommand } from "../dist/agent/command.js";
import { devCommand } from "../dist/agent/dev.js";

process.exitCode = await main(process.argv.slice(2), undefined, [agentCommand, devCommand]);
