/**
 * `NT_PRSTATUS` per architecture: the kernel's `struct elf_prstatus` is a
 * 112-byte common head (signal, pids, times), then `pr_reg` (the
 * architecture's `elf_gregset_t`), then `pr_fpvalid`, padded to 8.
 *
 * ```text
 *   0  pr_info.si_signo  i32      32  pr_pid   i32
 *  12  pr_cursig         u16      36  pr_ppid  i32
 *  16  pr_sigpend        u64      48  times    4 × 16
 *  24  pr_sighold        u64     112  pr_reg   (below)
 * ```
 *
 * - x86_64 `user_regs_struct`: r15 r14 r13 r12 **rbp** rbx r11 r10 r9 r8
 *   rax rcx rdx rsi rdi orig_rax **rip** cs eflags **rsp** ss fs_base
 *   gs_base ds es fs gs (27 words; 336 bytes in all).
 * - aarch64 `user_pt_regs`: x0..x30 (**fp = x29**, lr = x30), **sp**,
 *   **pc**, pstate (34 words; 392 bytes).
 * - s390x `s390_regs`: psw mask, **psw addr** (the pc), r0..r15
 *   (**r15**: the stack pointer, whose first word is the backchain: fp and
 *   sp both), 16 × 32-bit access registers, orig_gpr2 (216 bytes; 336).
 * - riscv64 `user_regs_struct`: **pc**, ra, **sp**, gp, tp, t0..t2,
 *   **s0 = fp**, s1, a0..a7, s2..s11, t3..t6 (32 words; 376 bytes).
 *   gdb-multiarch on an x86_64 host writes its own host's 336-byte
 *   prstatus for a riscv64 target: `pr_reg` cut after 28 words, t3..t6
 *   and `pr_fpvalid` lost. The walk needs none of them, so the short form
 *   is read with a warning.
 *
 * @internal
 * @since 0.2.0
 */
import type { ArchId } from "../Arch.js"

/** Where the walk's registers sit in `pr_reg`, as word indexes. */
export interface Layout {
  /** Register names in `pr_reg` order (s390x's access registers are left out). */
  readonly names: ReadonlyArray<string>
  readonly pc: number
  readonly fp: number
  readonly sp: number
  /** The kernel's `sizeof(struct elf_prstatus)`. */
  readonly size: number
  /** A shorter size accepted with a warning, and what it lacks. */
  readonly short?: { readonly size: number; readonly lacks: string }
}

/** Offset of `pr_reg` in `struct elf_prstatus`. */
export const PR_REG = 112

const range = (prefix: string, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`)

export const layouts: Readonly<Record<ArchId, Layout>> = {
  x86_64: {
    names: ["r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "eflags", "rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs"],
    pc: 16,
    fp: 4,
    sp: 19,
    size: 336
  },
  aarch64: { names: [...range("x", 0, 30), "sp", "pc", "pstate"], pc: 32, fp: 29, sp: 31, size: 392 },
  s390x: { names: ["psw_mask", "psw_addr", ...range("r", 0, 15)], pc: 1, fp: 17, sp: 17, size: 336 },
  riscv64: {
    names: ["pc", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", ...range("a", 0, 7), ...range("s", 2, 11), ...range("t", 3, 6)],
    pc: 0,
    fp: 8,
    sp: 2,
    size: 376,
    short: { size: 336, lacks: "t3..t6" }
  }
}
