/*
 * The benchmark's reference point: the spec's walk (snapshot-v1.md, "Walk, in
 * order") in plain C, on the same decoded snapshot bytes as the TypeScript
 * walker. Built by `npm run bench` with the machine's `cc -O2`.
 *
 * Input: a dump written by bench/dump.ts. Every integer is a little-endian
 * u64:
 *
 *   "FPWDUMP1" count
 *   per snapshot:
 *     arch (0 x86_64, 1 aarch64, 2 s390x, 3 riscv64) maxFrames vaBits
 *     nregions { address length bytes[length] (zero padding to 8) }*
 *     limits.address lastWasmExitPc lastWasmExitFp lastWasmEntrySp
 *     nstates { limits oldPc oldFp oldSp }*
 *     hasTrap trapPc trapFp
 *
 * Usage:
 *   walker verify DUMP OUT      walk each snapshot once; OUT gets, per
 *                               snapshot: tag (0 = valid, else the error's
 *                               1-based index in ERROR_TAGS) count, then
 *                               count (pc, fp) pairs, all u64 LE
 *   walker time DUMP MIN_MS RUNS WARMUP
 *                               time passes over every snapshot; prints JSON
 *                               {"frames": per pass, "runs": [[CPU ns, wall
 *                               ns] per pass, one pair per run...]}
 *
 * Frames go to a caller-owned buffer reused across walks (what a C caller
 * would do), so the timing is the walk itself.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
  OK = 0,
  MISMATCHED_LIMITS,
  INCONSISTENT_ACTIVATION,
  NULL_FRAME_POINTER,
  NULL_ENTRY_SP,
  MISALIGNED_ENTRY_SP,
  FP_ABOVE_ENTRY_SP,
  MISALIGNED_FP,
  FRAME_LIMIT_EXCEEDED,
  UNMAPPED_READ,
  NON_MONOTONIC_FP
};

typedef struct {
  int little_endian;
  uint64_t pc_offset, next_fp_offset, entry_sp_align, fp_align;
  int stop_strictly_above; /* s390x: stop when next FP > entry SP */
  int strip_pac;           /* aarch64 */
} arch_t;

static const arch_t ARCHES[4] = {
  /* x86_64 */ {1, 8, 0, 16, 16, 0, 0},
  /* aarch64 */ {1, 8, 0, 16, 8, 0, 1},
  /* s390x */ {0, 112, 0, 8, 8, 1, 0},
  /* riscv64 */ {1, 8, 0, 16, 16, 0, 0},
};

typedef struct {
  uint64_t address, last; /* last: address of the last byte (no 2^64 overflow) */
  const uint8_t *bytes;
} region_t;

typedef struct {
  uint64_t pc, fp, sp;
} activation_t;

typedef struct {
  const arch_t *arch;
  uint64_t max_frames, va_bits;
  region_t *regions; /* sorted, non-empty */
  size_t nregions;
  uint64_t limits_address;
  activation_t *activations; /* limits (or trap) first, then matching states */
  size_t nactivations;
  int mismatched; /* check 0 fails */
} snapshot_t;

typedef struct {
  uint64_t pc, fp;
} frame_t;

typedef struct {
  frame_t *frames;
  size_t count, capacity;
} frames_t;

static uint64_t get_le(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

static uint64_t get_word(const uint8_t *p, int little_endian) {
  uint64_t v;
  memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  if (little_endian) v = __builtin_bswap64(v);
#else
  if (!little_endian) v = __builtin_bswap64(v);
#endif
  return v;
}

/* Reads the word at `address` if its 8 bytes lie inside one region. */
static inline int read_word(const snapshot_t *s, size_t *cache, uint64_t address, uint64_t *out) {
  const region_t *r = &s->regions[*cache];
  if (s->nregions == 0) return 0;
  if (!(address >= r->address && address <= r->last)) {
    size_t lo = 0, hi = s->nregions;
    while (lo < hi) { /* first region starting above address */
      size_t mid = lo + (hi - lo) / 2;
      if (s->regions[mid].address <= address) lo = mid + 1; else hi = mid;
    }
    if (lo == 0) return 0;
    *cache = lo - 1;
    r = &s->regions[lo - 1];
    if (address > r->last) return 0;
  }
  if (r->last - address < 7) return 0;
  *out = get_word(r->bytes + (address - r->address), s->arch->little_endian);
  return 1;
}

static uint64_t strip_pac(uint64_t pc, uint64_t va_bits) {
  uint64_t high = va_bits >= 64 ? 0 : ~((UINT64_C(1) << va_bits) - 1);
  return (pc >> 55) & 1 ? pc | high : pc & ~high;
}

static inline void emit(frames_t *out, uint64_t pc, uint64_t fp) {
  if (out->count == out->capacity) {
    out->capacity = out->capacity ? out->capacity * 2 : 1024;
    out->frames = realloc(out->frames, out->capacity * sizeof(frame_t));
    if (!out->frames) { perror("realloc"); exit(3); }
  }
  out->frames[out->count].pc = pc;
  out->frames[out->count].fp = fp;
  out->count++;
}

/* The spec's walk; returns OK or the error tag. `out->count` frames were emitted. */
static int walk(const snapshot_t *s, frames_t *out) {
  const arch_t *a = s->arch;
  size_t cache = 0;
  out->count = 0;
  if (s->mismatched) return MISMATCHED_LIMITS;
  for (size_t i = 0; i < s->nactivations; i++) {
    uint64_t pc = s->activations[i].pc, fp = s->activations[i].fp, sp = s->activations[i].sp;
    if (pc == 0) return fp != 0 || sp != 0 ? INCONSISTENT_ACTIVATION : OK;
    if (fp == 0) return NULL_FRAME_POINTER;
    if (sp == 0) return NULL_ENTRY_SP;
    if (sp & (a->entry_sp_align - 1)) return MISALIGNED_ENTRY_SP;
    for (;;) {
      uint64_t next_pc, next_fp;
      if (fp > sp) return FP_ABOVE_ENTRY_SP;
      if (fp & (a->fp_align - 1)) return MISALIGNED_FP;
      if (out->count >= s->max_frames) return FRAME_LIMIT_EXCEEDED;
      emit(out, pc, fp);
      if (fp > UINT64_MAX - a->pc_offset || !read_word(s, &cache, fp + a->pc_offset, &next_pc)) return UNMAPPED_READ;
      if (a->strip_pac) next_pc = strip_pac(next_pc, s->va_bits);
      if (fp > UINT64_MAX - a->next_fp_offset || !read_word(s, &cache, fp + a->next_fp_offset, &next_fp)) return UNMAPPED_READ;
      if (a->stop_strictly_above ? next_fp > sp : next_fp >= sp) break;
      if (next_fp <= fp) return NON_MONOTONIC_FP;
      fp = next_fp;
      pc = next_pc;
    }
  }
  return OK;
}

static int by_address(const void *x, const void *y) {
  const region_t *a = x, *b = y;
  return a->address < b->address ? -1 : a->address > b->address;
}

/* Parses one snapshot at *p; regions point into the dump. */
static const uint8_t *parse(const uint8_t *p, const uint8_t *end, snapshot_t *s) {
#define NEED(n) do { if ((size_t)(end - p) < (size_t)(n)) { fprintf(stderr, "truncated dump\n"); exit(2); } } while (0)
#define U64(v) do { NEED(8); (v) = get_le(p); p += 8; } while (0)
  uint64_t arch, nregions, nstates, has_trap, trap_pc, trap_fp, exit_pc, exit_fp, entry_sp;
  U64(arch);
  if (arch > 3) { fprintf(stderr, "bad arch\n"); exit(2); }
  s->arch = &ARCHES[arch];
  U64(s->max_frames);
  U64(s->va_bits);
  U64(nregions);
  s->regions = calloc(nregions + 1, sizeof(region_t));
  s->nregions = 0;
  for (uint64_t i = 0; i < nregions; i++) {
    uint64_t address, length;
    U64(address);
    U64(length);
    NEED(length);
    if (length > 0) {
      region_t *r = &s->regions[s->nregions++];
      r->address = address;
      r->last = address + (length - 1);
      r->bytes = p;
    }
    p += (length + 7) & ~UINT64_C(7);
  }
  qsort(s->regions, s->nregions, sizeof(region_t), by_address);
  U64(s->limits_address);
  U64(exit_pc);
  U64(exit_fp);
  U64(entry_sp);
  U64(nstates);
  s->activations = calloc(nstates + 1, sizeof(activation_t));
  s->nactivations = 0;
  uint64_t first_state_limits = 0;
  for (uint64_t i = 0; i < nstates; i++) {
    uint64_t limits, pc, fp, sp;
    U64(limits);
    U64(pc);
    U64(fp);
    U64(sp);
    if (i == 0) first_state_limits = limits;
    if (limits == s->limits_address) {
      activation_t *act = &s->activations[1 + s->nactivations++];
      act->pc = pc;
      act->fp = fp;
      act->sp = sp;
    }
  }
  U64(has_trap);
  U64(trap_pc);
  U64(trap_fp);
  s->mismatched = has_trap && (nstates == 0 || first_state_limits != s->limits_address);
  if (nstates > 0) {
    s->activations[0].pc = has_trap ? trap_pc : exit_pc;
    s->activations[0].fp = has_trap ? trap_fp : exit_fp;
    s->activations[0].sp = entry_sp;
    s->nactivations++;
  }
  return p;
#undef U64
#undef NEED
}

static snapshot_t *load(const char *path, size_t *count) {
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); exit(2); }
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *data = malloc((size_t)size);
  if (!data || fread(data, 1, (size_t)size, f) != (size_t)size) { fprintf(stderr, "cannot read %s\n", path); exit(2); }
  fclose(f);
  const uint8_t *p = data, *end = data + size;
  if (size < 16 || memcmp(p, "FPWDUMP1", 8) != 0) { fprintf(stderr, "not a dump\n"); exit(2); }
  *count = (size_t)get_le(p + 8);
  p += 16;
  snapshot_t *snapshots = calloc(*count + 1, sizeof(snapshot_t));
  for (size_t i = 0; i < *count; i++) p = parse(p, end, &snapshots[i]);
  return snapshots;
}

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* Process CPU time: what the TypeScript side measures too (the machine is shared). */
static double cpu_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static void put(FILE *f, uint64_t v) {
  uint8_t b[8];
  for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (8 * i));
  fwrite(b, 1, 8, f);
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "verify") == 0) {
    size_t count;
    snapshot_t *snapshots = load(argv[2], &count);
    FILE *out = fopen(argv[3], "wb");
    if (!out) { perror(argv[3]); return 2; }
    frames_t frames = {0};
    for (size_t i = 0; i < count; i++) {
      int tag = walk(&snapshots[i], &frames);
      put(out, (uint64_t)tag);
      put(out, frames.count);
      for (size_t j = 0; j < frames.count; j++) {
        put(out, frames.frames[j].pc);
        put(out, frames.frames[j].fp);
      }
    }
    return fclose(out) == 0 ? 0 : 2;
  }
  if (argc == 6 && strcmp(argv[1], "time") == 0) {
    size_t count;
    snapshot_t *snapshots = load(argv[2], &count);
    double min_ns = atof(argv[3]) * 1e6;
    int runs = atoi(argv[4]), warmup = atoi(argv[5]);
    frames_t frames = {0};
    uint64_t per_pass = 0, sink = 0;
    for (size_t i = 0; i < count; i++) {
      walk(&snapshots[i], &frames);
      per_pass += frames.count;
    }
    /* Calibrate: passes per run so that a run lasts at least MIN_MS. */
    uint64_t passes = 1;
    for (;;) {
      double start = now_ns();
      for (uint64_t k = 0; k < passes; k++)
        for (size_t i = 0; i < count; i++) sink += (uint64_t)walk(&snapshots[i], &frames) + frames.count;
      if (now_ns() - start >= min_ns || passes >= (UINT64_C(1) << 40)) break;
      passes *= 2;
    }
    printf("{\"frames\": %llu, \"passes\": %llu, \"runs\": [", (unsigned long long)per_pass, (unsigned long long)passes);
    for (int r = -warmup; r < runs; r++) {
      double start = now_ns(), start_cpu = cpu_ns();
      for (uint64_t k = 0; k < passes; k++)
        for (size_t i = 0; i < count; i++) sink += (uint64_t)walk(&snapshots[i], &frames) + frames.count;
      double cpu = (cpu_ns() - start_cpu) / (double)passes, ns = (now_ns() - start) / (double)passes;
      if (r >= 0) printf("%s[%.3f, %.3f]", r > 0 ? ", " : "", cpu, ns);
    }
    printf("], \"sink\": %llu}\n", (unsigned long long)(sink & 0xffff));
    return 0;
  }
  fprintf(stderr, "usage: walker verify DUMP OUT | walker time DUMP MIN_MS RUNS WARMUP\n");
  return 2;
}
