// `nomadish version`

import { readFileSync } from "node:fs";
import type { Command } from "../command.js";

/** The package version, read from package.json two levels above the compiled cli/. */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
  return manifest.version;
}

export const version: Command = {
  name: "version",
  synopsis: "Print the nomadish version",
  usage: "nomadish version",
  help: "Prints the version of this nomadish binary and of the Node.js runtime it runs on.",
  flags: [],
  run(_flags, io) {
    io.stdout(`nomadish v${packageVersion()}\nNode.js ${process.version} (${process.platform}/${process.arch})\n`);
    return 0;
  },
};
