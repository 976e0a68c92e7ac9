/**
 * The one error of every reader of an outside format: a snapshot's JSON, an
 * ELF core file, a minidump. It names where the input is wrong (`path`: a
 * field path such as `memory[2].address`, or a structure and file offset
 * such as `program header 3`) and what is wrong there (`reason`).
 *
 * @since 0.2.0
 */
import { TracelessError } from "./internal/TracelessError.js"

/**
 * An input that cannot be walked because it is not what it claims to be:
 * `path` names the field or structure (`""` for the input as a whole),
 * `reason` says what is wrong with it, in one line.
 *
 * @category errors
 * @since 0.1.0
 */
export class InputError extends TracelessError("InputError")<{
  readonly path: string
  readonly reason: string
}> {
  override get message(): string {
    return this.path === "" ? this.reason : `${this.path}: ${this.reason}`
  }
}
