/**
 * fpwalk: a frame-pointer stack walker for stacks you did not produce,
 * modelled on wasmtime's Wasm backtrace walk, with typed errors instead of
 * panics.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Activation from "./Activation.js"
/** @since 0.1.0 */
export * as Arch from "./Arch.js"
/** @since 0.1.0 */
export * as Architectures from "./arch/index.js"
/** @since 0.1.0 */
export * as Http from "./Http.js"
/** @since 0.1.0 */
export * as Snapshot from "./Snapshot.js"
/** @since 0.1.0 */
export * as StackMemory from "./StackMemory.js"
/** @since 0.1.0 */
export * as U64 from "./U64.js"
/** @since 0.1.0 */
export * as WalkError from "./WalkError.js"
/** @since 0.1.0 */
export * as Walker from "./Walker.js"
/** @since 0.1.0 */
export { traceSync, visitSync, walkSync } from "./Walker.js"
/** @since 0.1.0 */
export { decodeJson } from "./Snapshot.js"
