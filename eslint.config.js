// Lint rules that keep the architecture honest (DESIGN.md §2):
//  - each top-level folder may import only the folders it depends on;
//  - the pure cores (Raft state machine, scheduler, state-store apply) do no I/O and read no clock.
import path from "node:path";
import tseslint from "typescript-eslint";

const allowedImports = {
  proto: [],
  shared: ["proto"],
  server: ["shared", "proto"],
  client: ["shared", "proto"],
  cli: ["shared", "proto"],
  // The composition root of the `agent` command: puts servers (and later clients) into a process.
  agent: ["proto", "shared", "server", "client", "cli"],
  test: ["proto", "shared", "server", "client", "cli", "agent", "test"],
  e2e: ["proto", "shared", "server", "client", "cli", "agent", "test", "e2e"],
  bench: ["proto", "shared", "server", "client", "cli", "agent", "test", "bench"],
};

const pureFolders = ["server/raft/core/**/*.ts", "server/scheduler/**/*.ts", "server/state/fsm/**/*.ts"];
const impureModules = ["node:*", "fs", "net", "child_process", "@grpc/grpc-js", "classic-level", "dockerode", "blessed"];

const layerImports = {
  meta: {
    type: "problem",
    messages: {
      forbidden: "{{from}}/ may not import from {{to}}/ (allowed: {{allowed}}; see DESIGN.md §2)",
    },
    schema: [],
  },
  create(context) {
    const root = context.cwd;
    const file = path.relative(root, context.filename);
    const from = file.split(path.sep)[0];
    const allowed = allowedImports[from];
    if (!allowed) return {};
    function check(node) {
      const spec = node.source?.value;
      if (typeof spec !== "string" || !spec.startsWith(".")) return;
      const target = path.relative(root, path.resolve(path.dirname(context.filename), spec));
      const to = target.split(path.sep)[0];
      if (to === from || !(to in allowedImports)) return;
      if (!allowed.includes(to)) {
        context.report({ node, messageId: "forbidden", data: { from, to, allowed: allowed.join(", ") || "nothing" } });
      }
    }
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "proto/gen/**", "**/*.js", "!eslint.config.js"] },
  {
    files: ["**/*.ts"],
    languageOptions: { parser: tseslint.parser, parserOptions: { sourceType: "module" } },
    plugins: { nomadish: { rules: { "layer-imports": layerImports } } },
    rules: {
      "nomadish/layer-imports": "error",
      "no-restricted-syntax": ["error", { selector: "CallExpression[callee.object.name='console']", message: "use the structured logger (console is for cli/, tests and benchmarks)" }],
    },
  },
  { files: ["cli/**/*.ts", "agent/**/*.ts", "test/**/*.ts", "e2e/**/*.ts", "bench/**/*.ts"], rules: { "no-restricted-syntax": "off" } },
  {
    files: pureFolders,
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: impureModules, message: "pure code: I/O comes in through an interface" }] }],
      "no-restricted-globals": ["error", "setTimeout", "setInterval", "setImmediate", "performance", "process"],
      "no-restricted-properties": ["error",
        { object: "Date", property: "now", message: "pure code: use the injected clock" },
        { object: "Math", property: "random", message: "pure code: use the injected rng" }],
    },
  },
);
