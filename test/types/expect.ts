// Compile-time assertions for the type tests: nothing here runs.

/** True when A and B are the same type, not merely assignable one way. */
export type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false

/** Compiles only when A and B are the same type: `assertType<typeof value, Expected>()`. */
export function assertType<A, B> (..._proof: Equal<A, B> extends true ? [] : [never]): void {}

/** Compiles only when the value has exactly the type Expected: `expectType<Expected>()(value)`. */
export function expectType<Expected> (): <Actual>(value: Actual, ..._proof: Equal<Actual, Expected> extends true ? [] : [never]) => void {
  return () => {}
}
