/*
 * io/json_util.c - JSON helpers shared by every JSON writer of the library
 * (io/json_util.h).
 */
#include "io/json_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hemosim/hemosim.h"

json_t *hs_jdone(json_t *o, int bad) {
  if (!bad && o) return o;
  json_decref(o);
  return NULL;
}

json_t *hs_jtargets(const hs_jtargets_in *t) {
  json_t *o = json_object();
  int bad = !o;
  HS_JSET(o, "pcwp_max_mmhg", hs_jnum(t->pcwp_max_mmhg));
  HS_JSET(o, "map_min_mmhg", hs_jnum(t->map_min_mmhg));
  HS_JSET(o, "do2i_min_mlmin_m2", hs_jnum(t->do2i_min));
  HS_JSET(o, "svo2_drained_min_pct", hs_jnum(t->svo2_min_pct));
  HS_JSET(o, "sao2_upper_min_pct", /* null: not a target */
          t->sao2_upper_min_pct > 0 ? hs_jnum(t->sao2_upper_min_pct) : json_null());
  HS_JSET(o, "lactate_max_mmol_l", /* null: not a target */
          t->lactate_max_mmol_l > 0 ? hs_jnum(t->lactate_max_mmol_l) : json_null());
  HS_JSET(o, "psvd_min_mm_mm2", /* null: not a target */
          t->psvd_min_mm_mm2 > 0 ? hs_jnum(t->psvd_min_mm_mm2) : json_null());
  HS_JSET(o, "heart_er_max", /* null: not a target; "critical": each state's own */
          t->heart_er_max > 0   ? hs_jnum(t->heart_er_max)
          : t->heart_er_max < 0 ? json_string("critical")
                                : json_null());
  HS_JSET(o, "cvp_max_mmhg", /* null: not a target */
          t->cvp_max_mmhg > 0 ? hs_jnum(t->cvp_max_mmhg) : json_null());
  HS_JSET(o, "flow_min_lpm", hs_jnum(t->flow_min_lpm));
  HS_JSET(o, "flow_max_lpm", hs_jnum(t->flow_max_lpm));
  return hs_jdone(o, bad);
}

json_t *hs_jnum(double v) { return isfinite(v) ? json_real(v) : json_null(); }

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if the byte starts none
   (overlong forms, surrogates and code points above U+10FFFF are invalid). */
static size_t utf8_len(const unsigned char *s) {
  unsigned c = s[0];
  if (c < 0x80) return 1;
  size_t n;
  unsigned cp;
  if (c >= 0xc2 && c <= 0xdf) n = 2, cp = c & 0x1f;
  else if (c >= 0xe0 && c <= 0xef) n = 3, cp = c & 0x0f;
  else if (c >= 0xf0 && c <= 0xf4) n = 4, cp = c & 0x07;
  else return 0;
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3f);
  }
  if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
      (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
    return 0;
  return n;
}

char *hs_utf8_clean(const char *s) {
  if (!s) return NULL;
  const unsigned char *u = (const unsigned char *)s;
  size_t len = strlen(s), bad = 0;
  for (size_t i = 0; i < len;) {
    size_t n = utf8_len(u + i);
    if (!n) bad++, n = 1;
    i += n;
  }
  if (!bad) return NULL;
  char *clean = malloc(len + 2 * bad + 1); /* each bad byte (1) becomes 3 bytes */
  if (!clean) return NULL;
  size_t j = 0;
  for (size_t i = 0; i < len;) {
    size_t n = utf8_len(u + i);
    if (!n) {
      memcpy(clean + j, "\xef\xbf\xbd", 3);
      j += 3;
      i++;
      continue;
    }
    memcpy(clean + j, s + i, n);
    j += n;
    i += n;
  }
  clean[j] = '\0';
  return clean;
}

json_t *hs_jstr(const char *s) {
  if (!s) return json_null();
  char *clean = hs_utf8_clean(s);
  json_t *o = json_string(clean ? clean : s);
  free(clean);
  return o;
}

json_t *hs_jstr_array(const char *const *s, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; a && i < n; i++)
    if (json_array_append_new(a, hs_jstr(s[i]))) {
      json_decref(a);
      return NULL;
    }
  return a;
}

int hs_jset(json_t *obj, const char *key, json_t *v) {
  if (!obj || !v) {
    json_decref(v);
    return 1;
  }
  return json_object_set_new(obj, key, v) != 0;
}

int hs_jprovenance(json_t *root, const hs_provenance *prov) {
  int bad = hs_jset(root, "hemosim_version", json_string(HS_VERSION));
  if (!prov) return bad;
  bad |= hs_jset(root, "patient", hs_jstr(prov->patient_name));
  bad |= hs_jset(root, "patient_file", hs_jstr(prov->patient_file));
  bad |= hs_jset(root, "set", hs_jstr_array(prov->set, prov->nset));
  return bad;
}

char *hs_jdump(json_t *root, int bad, int precision, const char *what, hs_err *err) {
  char *text = NULL;
  if (root && !bad)
    text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(precision));
  json_decref(root);
  if (!text) hs_err_set(err, HS_ERR_NOMEM, "out of memory writing %s", what);
  return text;
}
