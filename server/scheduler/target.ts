// Resolving the two sides of a constraint: `${node.datacenter}`, `${attr.cpu.arch}`,
// `${meta.rack}`, `${device.attr.memory}`… or a literal. A side that names something the node
// does not have is "not found", which only `is_not_set` and `!=` accept.

import type { Constraint, Node, NodeDeviceResource } from "../../shared/model/index.js";
import { parseAttribute, stringAttribute, type AttributeValue } from "./units.js";

function interpolated(target: string): string | undefined {
  return target.startsWith("${") && target.endsWith("}") ? target.slice(2, -1) : undefined;
}

/** The value a constraint side names on a node, or undefined when the node has no such value. */
export function resolveNodeTarget(target: string, node: Node): string | undefined {
  const name = interpolated(target);
  if (name === undefined) return target;
  switch (name) {
    case "node.unique.id": return node.id;
    case "node.unique.name": return node.name;
    case "node.datacenter": return node.datacenter;
    case "node.class": return node.nodeClass;
    case "node.pool": return node.nodePool;
    default: break;
  }
  if (name.startsWith("attr.")) return node.attributes[name.slice(5)];
  if (name.startsWith("meta.")) return node.meta[name.slice(5)];
  return undefined;
}

/**
 * Whether a target reads a per-node unique value (`${node.unique.id}`, `${attr.unique.…}`,
 * `${meta.unique.…}`). Such values are left out of the node's computed class, so a check that
 * reads them "escapes" the class and cannot be cached per class.
 */
export function isUniqueTarget(target: string): boolean {
  const name = interpolated(target);
  return name !== undefined && (name.startsWith("node.unique.") || name.startsWith("attr.unique.") || name.startsWith("meta.unique."));
}

export function escapesClass(constraints: readonly Pick<Constraint, "attribute" | "value">[]): boolean {
  return constraints.some((c) => isUniqueTarget(c.attribute) || isUniqueTarget(c.value));
}

/** A device constraint side: `${device.model}`, `${device.vendor}`, `${device.type}`, `${device.attr.X}`, or a typed literal. */
export function resolveDeviceTarget(target: string, device: NodeDeviceResource): AttributeValue | undefined {
  const name = interpolated(target);
  if (name === undefined) return parseAttribute(target);
  switch (name) {
    case "device.model": return stringAttribute(device.name);
    case "device.vendor": return stringAttribute(device.vendor);
    case "device.type": return stringAttribute(device.type);
    default: break;
  }
  if (name.startsWith("device.attr.")) {
    const raw = device.attributes[name.slice("device.attr.".length)];
    return raw === undefined ? undefined : parseAttribute(raw);
  }
  return undefined;
}

/** How a constraint is shown in placement failures: `${attr.cpu.arch} = arm64`. */
export function constraintString(c: Pick<Constraint, "attribute" | "operator" | "value">): string {
  return [c.attribute, c.operator, c.value].filter((s) => s !== "").join(" ");
}
