/* core/strmap.c - string -> index hash map (see strmap.h). */
#include "core/strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *s) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

/* Slot of key: where it is, or the empty slot where it would go. */
static size_t slot(const hs_strmap *m, const char *key) {
  size_t mask = m->cap - 1, i = (size_t)hash(key) & mask;
  while (m->keys[i] && strcmp(m->keys[i], key) != 0) i = (i + 1) & mask;
  return i;
}

static int grow(hs_strmap *m) {
  size_t cap = m->cap ? 2 * m->cap : 16;
  hs_strmap bigger = {calloc(cap, sizeof *bigger.keys), malloc(cap * sizeof *bigger.vals), cap, 0};
  if (!bigger.keys || !bigger.vals) {
    free(bigger.keys);
    free(bigger.vals);
    return -1;
  }
  for (size_t i = 0; i < m->cap; i++)
    if (m->keys[i]) {
      size_t j = slot(&bigger, m->keys[i]);
      bigger.keys[j] = m->keys[i];
      bigger.vals[j] = m->vals[i];
      bigger.n++;
    }
  free(m->keys);
  free(m->vals);
  *m = bigger;
  return 0;
}

int hs_strmap_put(hs_strmap *m, const char *key, long val) {
  if (!key) return -1;
  if (2 * (m->n + 1) > m->cap && grow(m) != 0) return -1; /* load factor <= 1/2 */
  size_t i = slot(m, key);
  if (!m->keys[i]) m->n++;
  m->keys[i] = key;
  m->vals[i] = val;
  return 0;
}

long hs_strmap_get(const hs_strmap *m, const char *key) {
  if (!key || !m->cap) return -1;
  size_t i = slot(m, key);
  return m->keys[i] ? m->vals[i] : -1;
}

void hs_strmap_clear(hs_strmap *m) {
  free(m->keys);
  free(m->vals);
  memset(m, 0, sizeof *m);
}
