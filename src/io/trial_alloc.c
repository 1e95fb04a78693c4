/*
 * io/trial_alloc.c - stratified permuted-block allocation from a counter-based
 * random number generator (docs/trial.md "Allocation").
 *
 * Generator: Philox4x32-10 (Salmon, Moraes, Dror & Shaw, "Parallel random
 * numbers: as easy as 1, 2, 3", Proc. SC11, 2011), a keyed bijection of a
 * 128-bit counter.  The key is the trial's 64-bit seed; the counter names what
 * is drawn:
 *   c0, c1  first 8 bytes of SHA-256(stratum key) (big-endian words)
 *   c2      block number within the stratum (0, 1, ...)
 *   c3      0 for the block size, 1 + i for step i of the shuffle
 * so every allocation is a pure function of (seed, stratum, block, position):
 * reproducible, independent of the order in which strata fill, and nothing has
 * to be stored in advance.  Block b of a stratum has a size drawn uniformly
 * from the protocol's block sizes; it holds each arm ratio x size / sum(ratios)
 * times, shuffled by Fisher-Yates (Knuth, TAOCP vol. 2, Algorithm 3.4.2 P).
 * A uniform integer in [0, n) is u mod n for the 64-bit u = (out1 << 32) |
 * out0: its bias is below n / 2^64 (< 4e-18 for n <= 64).
 */
#include <string.h>

#include "io/trial_impl.h"

void hs_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]) {
  const uint32_t M0 = 0xD2511F53u, M1 = 0xCD9E8D57u, W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;
  uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3], k0 = key[0], k1 = key[1];
  for (int r = 0; r < 10; r++) {
    if (r) k0 += W0, k1 += W1;
    uint64_t p0 = (uint64_t)M0 * c0, p1 = (uint64_t)M1 * c2;
    uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
    uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
    uint32_t n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
    c0 = n0, c1 = lo1, c2 = n2, c3 = lo0;
  }
  out[0] = c0, out[1] = c1, out[2] = c2, out[3] = c3;
}

typedef struct stream {
  uint32_t key[2];
  uint32_t s0, s1;
} stream;

static uint64_t draw(const stream *s, uint32_t block, uint32_t what, uint64_t n) {
  uint32_t ctr[4] = {s->s0, s->s1, block, what}, out[4];
  hs_philox4x32_10(ctr, s->key, out);
  uint64_t u = ((uint64_t)out[1] << 32) | out[0];
  return u % n;
}

/* Size of block b and, when arms is not NULL, its shuffled arm sequence. */
static int block_of(const hs_trial_protocol *p, const stream *s, uint32_t b, int *arms) {
  int size = p->block[draw(s, b, 0, (uint64_t)p->nblocks)];
  if (!arms) return size;
  int sum = 0, n = 0;
  for (int a = 0; a < p->narms; a++) sum += p->arm[a].ratio;
  for (int a = 0; a < p->narms; a++)
    for (int k = 0; k < p->arm[a].ratio * (size / sum); k++) arms[n++] = a;
  for (int i = size - 1; i > 0; i--) {
    int j = (int)draw(s, b, 1u + (uint32_t)i, (uint64_t)i + 1);
    int x = arms[i];
    arms[i] = arms[j];
    arms[j] = x;
  }
  return size;
}

int hs_trial_alloc_arm(const hs_trial_protocol *p, uint64_t seed, const char *stratum,
                       int64_t seq, int64_t *block) {
  if (!p || p->nblocks < 1 || p->narms < 2 || !stratum || seq < 0) return -1;
  char hex[65];
  hs_sha256_hex(stratum, strlen(stratum), hex);
  stream s;
  s.key[0] = (uint32_t)seed;
  s.key[1] = (uint32_t)(seed >> 32);
  unsigned long long w0 = 0, w1 = 0;
  for (int i = 0; i < 8; i++) {
    int c = hex[i], d = hex[8 + i];
    w0 = (w0 << 4) | (unsigned)(c <= '9' ? c - '0' : c - 'a' + 10);
    w1 = (w1 << 4) | (unsigned)(d <= '9' ? d - '0' : d - 'a' + 10);
  }
  s.s0 = (uint32_t)w0;
  s.s1 = (uint32_t)w1;
  int64_t start = 0;
  for (uint32_t b = 0;; b++) {
    int size = block_of(p, &s, b, NULL);
    if (seq < start + size) {
      int arms[64];
      block_of(p, &s, b, arms);
      if (block) *block = b;
      return arms[seq - start];
    }
    start += size;
    if (b == UINT32_MAX) return -1;
  }
}
