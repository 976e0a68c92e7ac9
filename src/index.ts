/**
 * fpwalk: a frame-pointer stack walker for stacks you did not produce,
 * modelled on wasmtime's Wasm backtrace walk, with typed errors instead of
 * panics.
 *
 * The plain API (no Effect needed): {@link decodeJsonSync} / {@link decodeSync},
 * {@link walkSync}, {@link traceSync}, {@link visitSync} and
 * {@link resultToJson} for snapshots; {@link walkNativeSync} and
 * {@link nativeToJson} for core files and minidumps (with {@link fromBytes});
 * every result is `{ ok: true, … } | { ok: false, error, … }`.
 * The Effect API is in the modules (`Snapshot.decodeJson`, `Walker.walk`,
 * the `Walker` service).
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Activation from "./Activation.js"
/** @since 0.1.0 */
export * as Arch from "./Arch.js"
/** @since 0.1.0 */
export * as Architectures from "./arch/index.js"
/** @since 0.2.0 */
export * as ByteSource from "./ByteSource.js"
/** @since 0.2.0 */
export * as Core from "./core/Core.js"
/** @since 0.2.0 */
export * as Elf from "./elf/Elf.js"
/** @since 0.2.0 */
export * as FrameTable from "./FrameTable.js"
/** @since 0.2.0 */
export * as Generation from "./Generation.js"
/** @since 0.2.0 */
export * as Http from "./Http.js"
/** @since 0.2.0 */
export * as InputError from "./InputError.js"
/** @since 0.2.0 */
export * as Memory from "./Memory.js"
/** @since 0.2.0 */
export * as Minidump from "./minidump/Minidump.js"
/** @since 0.2.0 */
export * as NativeImage from "./native/Image.js"
/** @since 0.2.0 */
export * as NativeReport from "./native/Report.js"
/** @since 0.2.0 */
export * as NativeWalk from "./native/Walk.js"
/** @since 0.2.0 */
export * as Symbolize from "./native/Symbolize.js"
/** @since 0.1.0 */
export * as Snapshot from "./Snapshot.js"
/** @since 0.1.0 */
export * as StackMemory from "./StackMemory.js"
/** @since 0.1.0 */
export * as U64 from "./U64.js"
/** @since 0.1.0 */
export * as WalkError from "./WalkError.js"
/** @since 0.2.0 */
export * as WalkRules from "./WalkRules.js"
/** @since 0.1.0 */
export * as Walker from "./Walker.js"
/** @since 0.1.0 */
export { traceSync, visitSync, walkSync } from "./Walker.js"
/** @since 0.2.0 */
export { decodeJsonSync, decodeSync, resultToJson } from "./Snapshot.js"
/** @since 0.2.0 */
export { nativeToJson, walkNativeSync } from "./native/Report.js"
/** @since 0.2.0 */
export { fromBytes } from "./ByteSource.js"
