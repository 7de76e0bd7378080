#!/usr/bin/env node
// Entry point of the `nomadish` command; the CLI itself is compiled TypeScript in dist/cli.
import { main } from "../dist/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
