import { formatNumber, sortedKeys, type HclFunction, type Value } from "../values.js";
import { defineFunctions, type Args } from "./args.js";

/** Like HCL's jsonencode: object keys sorted, and <, >, & escaped as Go does for HTML safety. */
export function jsonEncode(v: Value): string {
  if (v === null) return "null";
  if (typeof v === "string") {
    return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  }
  if (typeof v === "number") return Number.isFinite(v) ? formatNumber(v) : "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (Array.isArray(v)) return `[${v.map(jsonEncode).join(",")}]`;
  return `{${sortedKeys(v).map((k) => `${jsonEncode(k)}:${jsonEncode(v[k] ?? null)}`).join(",")}}`;
}

function jsonDecode(a: Args): Value {
  try {
    return JSON.parse(a.string(0)) as Value;
  } catch (err) {
    return a.fail(`invalid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function base64Decode(a: Args): string {
  const s = a.string(0);
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) a.fail("the argument is not valid base64");
  try {
    return utf8.decode(Buffer.from(s, "base64"));
  } catch {
    return a.fail("the decoded bytes are not valid UTF-8");
  }
}

/** Go's url.QueryEscape: spaces become "+", and only letters, digits and -_.~ stay as they are. */
function urlEncode(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replaceAll("%20", "+");
}

export function encodingFunctions(): Record<string, HclFunction> {
  return defineFunctions({
    base64decode: [1, 1, base64Decode],
    base64encode: [1, 1, (a) => Buffer.from(a.string(0), "utf8").toString("base64")],
    jsondecode: [1, 1, jsonDecode],
    jsonencode: [1, 1, (a) => jsonEncode(a.any(0))],
    urlencode: [1, 1, (a) => urlEncode(a.string(0))],
  });
}
