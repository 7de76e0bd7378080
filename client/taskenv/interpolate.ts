// `${…}` interpolation of runtime references, as Nomad does it on the client: node attributes and
// metadata, the node's identity, and the task's environment. A reference that names nothing known
// is left exactly as written (Nomad does the same), so a typo shows up in the task's config instead
// of silently becoming an empty string.

import type { Node } from "../../shared/model/node.js";

/** The node facts a jobspec may refer to, by the name it uses: `attr.cpu.arch`, `node.unique.id`, … */
export function nodeVariables(node: Node, region: string): Record<string, string> {
  const vars: Record<string, string> = {
    "node.unique.id": node.id,
    "node.unique.name": node.name,
    "node.datacenter": node.datacenter,
    "node.class": node.nodeClass,
    "node.region": region,
    "node.pool": node.nodePool,
  };
  for (const [key, value] of Object.entries(node.attributes)) vars[`attr.${key}`] = value;
  for (const [key, value] of Object.entries(node.meta)) vars[`meta.${key}`] = value;
  return vars;
}

const REFERENCE = /\$\{([^{}]*)\}/g;
/** `env.NAME` and `env["NAME"]` both read the task's environment. */
const ENV_REFERENCE = /^env(?:\.([^.[\]"]+)|\["([^"]+)"\])$/;

export type Lookup = (name: string) => string | undefined;

/** Resolves a reference against node variables first, then `env.X`, then a bare env name (NOMAD_*). */
export function lookupIn(nodeVars: Record<string, string>, env: Record<string, string>): Lookup {
  return (name) => {
    if (Object.hasOwn(nodeVars, name)) return nodeVars[name];
    const envRef = ENV_REFERENCE.exec(name);
    if (envRef) {
      const key = envRef[1] ?? envRef[2] ?? "";
      return Object.hasOwn(env, key) ? env[key] : undefined;
    }
    return Object.hasOwn(env, name) ? env[name] : undefined;
  };
}

export function interpolateString(text: string, lookup: Lookup): string {
  if (!text.includes("${")) return text;
  return text.replace(REFERENCE, (whole, inner: string) => lookup(inner.trim()) ?? whole);
}

/** Interpolates every string inside a value (objects and arrays deeply); keys and other types are kept. */
export function interpolateDeep(value: unknown, lookup: Lookup): unknown {
  if (typeof value === "string") return interpolateString(value, lookup);
  if (Array.isArray(value)) return value.map((item) => interpolateDeep(item, lookup));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolateDeep(item, lookup)]));
  }
  return value;
}
