import type { HclFunction } from "../values.js";
import { collectionFunctions } from "./collections.js";
import { conversionFunctions } from "./conversion.js";
import { encodingFunctions } from "./encoding.js";
import { formatFunctions } from "./format.js";
import { numericFunctions } from "./numeric.js";
import { stringFunctions } from "./strings.js";

/**
 * The standard library, fresh on each call so callers can add to it (e.g. `file`). `try` and `can`
 * are built into the evaluator because they need their arguments unevaluated.
 */
export function stdlibFunctions(): Record<string, HclFunction> {
  return {
    ...numericFunctions(),
    ...stringFunctions(),
    ...formatFunctions(),
    ...collectionFunctions(),
    ...conversionFunctions(),
    ...encodingFunctions(),
  };
}
