/**
 * The entry point of a `fpwalk walk --jobs N` worker thread (`pool.ts`
 * starts it): answers the main thread's batches with the same
 * {@link walkOne} the main thread uses.
 *
 * @since 0.2.0
 */
import { serveBatches } from "./pool.js"
import { walkOne } from "./walk.js"

serveBatches(walkOne)
