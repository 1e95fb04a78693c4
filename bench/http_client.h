/*
 * http_client.h - the smallest HTTP/1.1 client that the server tests and the load
 * benchmark need: one request per connection to 127.0.0.1, whole answer read into
 * memory.  Header-only (static functions), shared by bench/serve_load.c and
 * tests/test_serve.c.
 */
#ifndef HS_BENCH_HTTP_CLIENT_H
#define HS_BENCH_HTTP_CLIENT_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct hs_http_answer {
  int status;  /* 0: no answer */
  char *body;  /* malloc'd, NUL-terminated ("" if none) */
  char ctype[96];
} hs_http_answer;

/* method, path ("/api/info"), body (NULL: none), content type (NULL: application/json
   when body is given), host header (NULL: 127.0.0.1:port). */
static hs_http_answer hs_http(int port, const char *method, const char *path, const char *body,
                              const char *ctype, const char *host) {
  hs_http_answer a = {0, NULL, ""};
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in ad;
  memset(&ad, 0, sizeof ad);
  ad.sin_family = AF_INET;
  ad.sin_port = htons((unsigned short)port);
  ad.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, (struct sockaddr *)&ad, sizeof ad)) {
    if (fd >= 0) close(fd);
    a.body = calloc(1, 1);
    return a;
  }
  char hostbuf[64], head[1024];
  if (!host) snprintf(hostbuf, sizeof hostbuf, "127.0.0.1:%d", port), host = hostbuf;
  size_t blen = body ? strlen(body) : 0;
  int n = snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", method,
                   path, host);
  if (body)
    n += snprintf(head + n, sizeof head - (size_t)n, "Content-Type: %s\r\nContent-Length: %zu\r\n",
                  ctype ? ctype : "application/json", blen);
  n += snprintf(head + n, sizeof head - (size_t)n, "\r\n");
  ssize_t w = write(fd, head, (size_t)n);
  for (size_t off = 0; w >= 0 && off < blen; off += (size_t)w) w = write(fd, body + off, blen - off);
  size_t cap = 65536, len = 0;
  char *buf = malloc(cap);
  ssize_t r;
  while (buf && (r = read(fd, buf + len, cap - len - 1)) > 0) {
    len += (size_t)r;
    if (cap - len < 2) {
      char *nb = realloc(buf, cap *= 2);
      if (!nb) break;
      buf = nb;
    }
  }
  close(fd);
  if (!buf) return a;
  buf[len] = '\0';
  char *sep = strstr(buf, "\r\n\r\n");
  if (sscanf(buf, "HTTP/1.%*d %d", &a.status) != 1 || !sep) {
    a.status = 0;
    buf[0] = '\0';
    a.body = buf;
    return a;
  }
  *sep = '\0';
  const char *ct = strstr(buf, "Content-Type: ");
  if (!ct) ct = strstr(buf, "content-type: ");
  if (ct) sscanf(ct + 14, "%95[^\r\n]", a.ctype);
  memmove(buf, sep + 4, len - (size_t)(sep + 4 - buf) + 1);
  a.body = buf;
  return a;
}

#endif
