#!/usr/bin/env node
// Entry point of the `nomadish` command: the CLI (dist/cli) plus the agent command (dist/agent),
// which is where servers are put into a process.
import { main } from "../dist/cli/main.js";
import { agentCommand } from "../dist/agent/command.js";

process.exitCode = await main(process.argv.slice(2), undefined, [agentCommand]);
