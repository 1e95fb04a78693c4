/*
 * core/strmap.h - string -> index hash map (open addressing, FNV-1a), for name
 * lookups that would otherwise scan every block: a model of N blocks loads and
 * checks in O(N) instead of O(N^2).  Keys are borrowed: the caller keeps them
 * alive and unchanged while they are in the map.
 */
#ifndef HS_CORE_STRMAP_H
#define HS_CORE_STRMAP_H

#include <stddef.h>

typedef struct hs_strmap {
  const char **keys; /* NULL = empty slot */
  long *vals;
  size_t cap, n;     /* cap: power of two (0 before the first insertion) */
} hs_strmap;

/* Insert or replace key -> val.  Returns 0, or -1 when out of memory (map unchanged). */
int hs_strmap_put(hs_strmap *m, const char *key, long val);
/* The value of key, or -1 if absent (or key is NULL). */
long hs_strmap_get(const hs_strmap *m, const char *key);
/* Frees the tables (not the keys); the map is empty and reusable afterwards. */
void hs_strmap_clear(hs_strmap *m);

#endif
