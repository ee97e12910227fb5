// The CdfError class and its type guard. This module never loads the .wasm:
// `import { isCdfError, CdfError } from "cdf-workflow-retry"` costs a few
// hundred bytes. The Rust side builds every error through `newCdfError`, so
// `e instanceof CdfError` holds in one realm, and `isCdfError` (a
// `Symbol.for` brand, shared by every realm) across realms and copies.

const BRAND = Symbol.for("cdf-workflow-retry.CdfError");

/** Every failure of this package: a real Error named "CdfError" (see the .d.ts for its fields). */
export class CdfError extends Error {
  constructor(message, options) {
    super(message, options);
    Object.defineProperty(this, "name", { value: "CdfError", writable: true, configurable: true, enumerable: false });
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** Whether `value` is a CdfError of this package (any realm, any copy of the module). Never throws. */
export function isCdfError(value) {
  try {
    return value !== null && typeof value === "object" && value[BRAND] === true;
  } catch {
    return false;
  }
}

/** A CdfError with `message`, and `cause` when `hasCause` (kept as thrown, even `undefined`). */
export function newCdfError(message, hasCause, cause) {
  return hasCause ? new CdfError(message, { cause }) : new CdfError(message);
}
