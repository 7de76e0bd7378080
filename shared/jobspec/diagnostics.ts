// Problems found in a jobspec, collected so that one run reports all of them together.

import { formatRange, type Range } from "../hcl/index.js";
import type { FieldPath } from "../model/validate.js";

export interface Problem {
  range?: Range;
  path: FieldPath;
  message: string;
}

/** `job "web" > group "web" > task "server" > resources > memory` */
export function formatPath(path: FieldPath): string {
  return path.join(" > ");
}

export function formatProblem(problem: Problem): string {
  const where = problem.range ? `${formatRange(problem.range)}: ` : "";
  const path = problem.path.length > 0 ? `${formatPath(problem.path)}: ` : "";
  return `${where}${path}${problem.message}`;
}

/** Problems in source order, so the report reads top to bottom like the file. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort((a, b) => (a.range?.start.offset ?? Infinity) - (b.range?.start.offset ?? Infinity));
}

export class Diagnostics {
  readonly problems: Problem[] = [];
  /** Where each field path was written, so problems found later on the canonical job get a position. */
  private readonly positions = new Map<string, Range>();

  add(path: FieldPath, message: string, range?: Range): void {
    this.problems.push(range ? { path, message, range } : { path, message });
  }

  recordPosition(path: FieldPath, range: Range): void {
    this.positions.set(formatPath(path), range);
  }

  /** The position of the path, or of its nearest enclosing field that has one. */
  positionOf(path: FieldPath): Range | undefined {
    for (let length = path.length; length > 0; length--) {
      const range = this.positions.get(formatPath(path.slice(0, length)));
      if (range) return range;
    }
    return undefined;
  }
}
