/**
 * Command-line parsing shared by every command: `node:util`'s `parseArgs`
 * as a `Result`, its complaint folded into the one line the CLI prints.
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import type { ParseArgsConfig } from "node:util"
import { parseArgs } from "node:util"

/**
 * Parses arguments strictly; a bad flag or value is a failure with a
 * one-line message, never a thrown error.
 *
 * @category parsing
 * @since 0.1.0
 */
export const parseArguments = <T extends ParseArgsConfig>(config: T): Result.Result<ReturnType<typeof parseArgs<T>>, string> =>
  Result.try({
    try: () => parseArgs(config),
    // parseArgs explains itself over several lines; the CLI says one.
    catch: (cause) => (cause instanceof Error ? cause.message : String(cause)).replace(/\s*\n\s*/g, " ")
  })
