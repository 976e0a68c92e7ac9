/**
 * Command-line parsing shared by every command: `node:util`'s `parseArgs`
 * as a `Result`, with the CLI's own one-line wording for a bad flag.
 *
 * The arguments are first read without strictness, as tokens, and checked
 * here (an unknown option, a missing or unexpected value), so the message
 * is ours and names the flag as the user typed it; only then does the
 * strict `parseArgs` build the values.
 *
 * @since 0.1.0
 */
import * as Result from "effect/Result"
import type { ParseArgsConfig } from "node:util"
import { parseArgs } from "node:util"

type Options = NonNullable<ParseArgsConfig["options"]>

const flagOf = (name: string, options: Options): string => {
  const short = options[name]?.short
  return short === undefined ? `--${name}` : `-${short}/--${name}`
}

const checkTokens = (config: ParseArgsConfig): string | undefined => {
  const options: Options = config.options ?? {}
  const scanned = Result.try(() => parseArgs({ ...config, strict: false, allowPositionals: true, tokens: true }))
  if (Result.isFailure(scanned)) return undefined
  for (const token of scanned.success.tokens ?? []) {
    if (token.kind === "positional" && config.allowPositionals === false) {
      return `unexpected argument '${token.value}'`
    }
    if (token.kind !== "option") continue
    const option = Object.hasOwn(options, token.name) ? options[token.name] : undefined
    if (option === undefined) return `unknown option '${token.rawName}'`
    if (option.type === "boolean" && token.value !== undefined) {
      return `option '${token.rawName}' takes no value (got '${token.value}')`
    }
    if (option.type === "string") {
      // `--jobs --json`: the next flag is not the value.
      const looksLikeFlag = token.inlineValue === false && token.value !== undefined && /^-./.test(token.value)
      if (token.value === undefined || looksLikeFlag) return `option ${flagOf(token.name, options)} needs a value`
    }
  }
  return undefined
}

/**
 * Parses arguments strictly; a bad flag or value is a failure with a
 * one-line message in the CLI's words (`unknown option '--bogus'`, `option
 * --jobs needs a value`), never a thrown error.
 *
 * @category parsing
 * @since 0.1.0
 */
export const parseArguments = <T extends ParseArgsConfig>(config: T): Result.Result<ReturnType<typeof parseArgs<T>>, string> => {
  const complaint = config.strict === false ? undefined : checkTokens(config)
  if (complaint !== undefined) return Result.fail(complaint)
  return Result.try({
    try: () => parseArgs(config),
    // Anything the scan above did not foresee, still on one line.
    catch: (cause) => (cause instanceof Error ? cause.message : String(cause)).replace(/\s*\n\s*/g, " ")
  })
}

/**
 * Parses a whole number from `min` to `max` written in decimal; anything
 * else (a sign, a fraction, hex, a space) is `undefined`.
 *
 * @category parsing
 * @since 0.1.0
 */
export const parseCount = (text: string, min: number, max: number): number | undefined => {
  if (!/^[0-9]{1,15}$/.test(text)) return undefined
  const value = Number(text)
  return value >= min && value <= max ? value : undefined
}
