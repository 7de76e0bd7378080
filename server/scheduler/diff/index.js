// Job diffs for `job plan` and `job history -p`. Pure: two job versions in, a JobDiff out.
export { diffJobs } from "./diff.js";
export { annotateDiff, taskAnnotations } from "./annotate.js";
//# sourceMappingURL=index.js.map