/**
 * The registry of architectures: the only module that lists all four.
 *
 * @since 0.1.0
 */
import type { Arch, ArchId } from "../Arch.js"
import { aarch64 } from "./aarch64.js"
import { riscv64 } from "./riscv64.js"
import { s390x } from "./s390x.js"
import { x86_64 } from "./x86_64.js"

/**
 * Every supported architecture by id.
 *
 * @category architectures
 * @since 0.1.0
 */
export const architectures: Readonly<Record<ArchId, Arch>> = { x86_64, aarch64, s390x, riscv64 }

/**
 * The ids in the spec's order.
 *
 * @category architectures
 * @since 0.1.0
 */
export const archIds: ReadonlyArray<ArchId> = ["x86_64", "aarch64", "s390x", "riscv64"]

/**
 * Whether a string names a supported architecture.
 *
 * @category guards
 * @since 0.1.0
 */
export const isArchId = (id: unknown): id is ArchId =>
  typeof id === "string" && Object.prototype.hasOwnProperty.call(architectures, id)
