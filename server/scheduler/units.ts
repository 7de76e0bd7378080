// Typed attribute values, as Nomad's device plugins report them: numbers may carry a unit
// ("16384 MiB", "1.5 GHz", "250 W"), and two values with units of the same kind compare after
// conversion, so a constraint `${device.attr.memory} >= 8 GiB` works against "16384 MiB".

/** A typed value; `text` is how it was written, for the string operators (regexp, version, sets). */
export type AttributeValue =
  | { kind: "number"; value: number; unit: string; text: string }
  | { kind: "bool"; value: boolean; text: string }
  | { kind: "string"; value: string; text: string };

interface UnitInfo {
  /** What the unit measures; only units of the same base compare. */
  base: string;
  /** Multiplier to the base unit. */
  factor: number;
}

const UNITS = new Map<string, UnitInfo>();

function defineUnits(base: string, units: Record<string, number>): void {
  for (const [name, factor] of Object.entries(units)) UNITS.set(name, { base, factor });
}

const KI = 1024;
const BYTE_UNITS: Record<string, number> = {
  B: 1,
  KB: 1e3, KiB: KI, MB: 1e6, MiB: KI ** 2, GB: 1e9, GiB: KI ** 3, TB: 1e12, TiB: KI ** 4, PB: 1e15, PiB: KI ** 5,
  EB: 1e18, EiB: KI ** 6,
};
defineUnits("bytes", BYTE_UNITS);
defineUnits("bytes/s", Object.fromEntries(Object.entries(BYTE_UNITS).map(([u, f]) => [`${u}/s`, f])));
defineUnits("hertz", { Hz: 1, KHz: 1e3, kHz: 1e3, MHz: 1e6, GHz: 1e9, THz: 1e12 });
defineUnits("watts", { mW: 1e-3, W: 1, KW: 1e3, kW: 1e3, MW: 1e6, GW: 1e9 });

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NUMBER_WITH_UNIT = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([A-Za-z][A-Za-z/]*)$/;

/** Parses a value as Nomad types device attributes: a number (optionally with a known unit), a bool, else a string. */
export function parseAttribute(text: string): AttributeValue {
  const trimmed = text.trim();
  if (NUMBER.test(trimmed)) return { kind: "number", value: Number(trimmed), unit: "", text };
  const lower = trimmed.toLowerCase();
  if (lower === "true" || lower === "false") return { kind: "bool", value: lower === "true", text };
  const match = NUMBER_WITH_UNIT.exec(trimmed);
  if (match && UNITS.has(match[2] as string)) return { kind: "number", value: Number(match[1]), unit: match[2] as string, text };
  return { kind: "string", value: text, text };
}

export function stringAttribute(text: string): AttributeValue {
  return { kind: "string", value: text, text };
}

/**
 * Orders two values: negative, zero or positive; undefined when they do not compare (a number
 * against a string, units of different kinds, or a unit against a bare number).
 */
export function compareAttributes(a: AttributeValue, b: AttributeValue): number | undefined {
  if (a.kind === "number" && b.kind === "number") {
    if (a.unit === b.unit) return Math.sign(a.value - b.value);
    const ua = UNITS.get(a.unit);
    const ub = UNITS.get(b.unit);
    if (ua === undefined || ub === undefined || ua.base !== ub.base) return undefined;
    return Math.sign(a.value * ua.factor - b.value * ub.factor);
  }
  if (a.kind === "string" && b.kind === "string") return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
  if (a.kind === "bool" && b.kind === "bool") return a.value === b.value ? 0 : undefined;
  return undefined;
}
