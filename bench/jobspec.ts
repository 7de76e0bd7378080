// Parse + validate time per jobspec, over jobspecs/ and the Nomad corpus beside the project.
// Prints a table per file, then one JSON line with the overall median and p99.

import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseJobspec } from "../shared/jobspec/index.js";
import { hasNomadCorpus, nomadCorpus, repoPath } from "../test/paths.js";

const ROUNDS = Number(process.env["ROUNDS"] ?? 200);
const WARMUP = 50;
const CORPUS_VARS: Record<string, string[]> = { "nomad__e2e__jobsubmissions__input__xyz.hcl": ["X=a", "Y=1", "Z=true"] };

interface Spec { name: string; file: string; source: string; vars: string[] }

function specsIn(dir: string, label: string): Spec[] {
  return readdirSync(dir)
    .filter((f) => f !== "SOURCES.txt" && !f.startsWith("."))
    .sort()
    .map((f) => ({ name: `${label}/${f}`, file: path.join(dir, f), source: readFileSync(path.join(dir, f), "utf8"), vars: CORPUS_VARS[f] ?? [] }));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

const specs = [...specsIn(repoPath("jobspecs"), "jobspecs"), ...(hasNomadCorpus ? specsIn(nomadCorpus, "corpus") : [])];
const all: number[] = [];
const rows: string[] = [];
for (const spec of specs) {
  const parse = () => parseJobspec(spec.source, spec.file, { vars: spec.vars });
  for (let i = 0; i < WARMUP; i++) parse();
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now();
    parse();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  all.push(...times);
  rows.push(`${spec.name.padEnd(80)} ${String(spec.source.split("\n").length).padStart(5)} ${percentile(times, 50).toFixed(3).padStart(9)} ${percentile(times, 99).toFixed(3).padStart(9)}`);
}
all.sort((a, b) => a - b);
console.log(`${"jobspec".padEnd(80)} ${"lines".padStart(5)} ${"p50 ms".padStart(9)} ${"p99 ms".padStart(9)}`);
for (const row of rows) console.log(row);
console.log(`\n${specs.length} jobspecs x ${ROUNDS} rounds (after ${WARMUP} warm-up rounds each), parse + validate in one process`);
console.log(JSON.stringify({ parse_median_ms: Number(percentile(all, 50).toFixed(4)), parse_p99_ms: Number(percentile(all, 99).toFixed(4)), jobspecs: specs.length, rounds: ROUNDS }));
