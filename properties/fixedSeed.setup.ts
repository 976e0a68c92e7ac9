/**
 * A vitest setup file for the mutation run: one fixed fast-check seed.
 * `@fast-check/vitest` puts the seed in each property's test name, and
 * Stryker selects the tests covering a mutant by name, so with a seed
 * drawn per run no property would ever be selected again after the dry
 * run. Fixed, every mutant also meets exactly the inputs of the dry run.
 */
import * as fc from "fast-check"

fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: Number(process.env["FC_SEED"] ?? "20261125") })
