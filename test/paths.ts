// Paths into the repository from compiled tests (dist/test/…).

import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export function repoPath(...parts: string[]): string {
  return path.join(repoRoot, ...parts);
}

/**
 * Real Nomad jobspecs kept beside the project (never inside it), used as compatibility data when
 * present: $NOMADISH_JOBSPEC_CORPUS, ../shared/nomad-jobspecs, or the workspace's copy when the
 * repository was cloned elsewhere (as CI does).
 */
const corpusCandidates = [
  process.env["NOMADISH_JOBSPEC_CORPUS"],
  path.resolve(repoRoot, "../shared/nomad-jobspecs"),
  "/work/shared/nomad-jobspecs",
].filter((p): p is string => p !== undefined && p !== "");
export const nomadCorpus = corpusCandidates.find((p) => existsSync(p)) ?? corpusCandidates[0] ?? "";
export const hasNomadCorpus = existsSync(nomadCorpus);
