/*
 * analysis/cohort_mpi.c - a study across MPI ranks (docs/cohort.md "Running with MPI").
 *
 * Rank 0 owns the list of unfinished patients, the results and the checkpoint.  Its
 * threads compute like the threaded runner while its main thread serves the other
 * ranks: a rank sends the rows of its last chunk (nothing the first time) and receives
 * the next chunk [a, b) of the list, or an empty one when the study is done (dynamic
 * self-scheduling: a rank with slow patients simply asks less often).  Rows travel as
 * checkpoint lines (hexadecimal floats), so they arrive bit for bit and the results do
 * not depend on the number of ranks.  Only the main thread of a rank calls MPI
 * (MPI_THREAD_FUNNELED).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "analysis/cohort_impl.h"

int hs_cohort_mpi_launched(void) {
  return getenv("OMPI_COMM_WORLD_SIZE") != NULL || getenv("PMI_SIZE") != NULL ||
         getenv("PMIX_RANK") != NULL;
}

#ifdef HS_HAVE_MPI
#include <errno.h>
#include <math.h>
#include <mpi.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int hs_cohort_mpi_available(void) { return 1; }

enum { TAG_RES = 1, TAG_WORK = 2 };

/* A worker rank: send the rows of the last chunk (none at first), receive the next run
   of consecutive patients [a, b), compute it with the rank's threads, until the run is
   empty. */
static hs_status run_worker(const hs_cohort *c, const hs_cohort_options *o, hs_err *err) {
  hs_cohort_options local;
  hs_cohort_options_default(&local); /* no checkpoint, no progress on worker ranks */
  cohort_pool p;
  memset(&p, 0, sizeof p);
  p.c = c;
  p.o = &local;
  p.fd = -1;
  p.chunk = 1;
  pthread_mutex_init(&p.lock, NULL);
  if (!(p.r = hs_cohort_results_new(c, &p.err))) p.st = p.err.code;
  char *text = NULL;
  size_t len = 0;
  uint64_t range[2];
  for (;;) {
    MPI_Send(text ? text : "", (int)len, MPI_CHAR, 0, TAG_RES, MPI_COMM_WORLD);
    free(text);
    text = NULL;
    len = 0;
    MPI_Recv(range, 2, MPI_UINT64_T, 0, TAG_WORK, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (range[0] >= range[1]) break;
    size_t n = (size_t)(range[1] - range[0]);
    free(p.todo);
    if (!p.st && !(p.todo = malloc(n * sizeof *p.todo)))
      p.st = hs_err_set(&p.err, HS_ERR_NOMEM, "out of memory");
    if (p.st) continue; /* rank 0 misses these rows and reports the study incomplete */
    for (size_t q = 0; q < n; q++) p.todo[q] = (size_t)range[0] + q;
    p.ntodo = n;
    p.next = 0;
    cohort_pool_run(&p, o->threads);
    FILE *f = open_memstream(&text, &len);
    for (size_t q = 0; f && q < n; q++) {
      char *line = hs_cohort_row_text(c, p.r, p.todo[q]);
      if (line) fputs(line, f);
      free(line);
    }
    if (f) fclose(f);
  }
  free(text);
  free(p.todo);
  p.todo = NULL;
  return cohort_pool_close(&p, NULL, err) ? err->code : (hs_cohort_results_free(p.r), HS_OK);
}

/* rows received from a worker rank, as checkpoint lines; under p->lock.  Returns 1 when
   the checkpoint is due its flush (cohort_pool_sync after unlocking). */
static int receive_rows(cohort_pool *p, char *buf) {
  int sync = 0;
  for (char *line = buf, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
    size_t len = (size_t)(nl - line) + 1, i;
    char *copy = malloc(len + 1);
    hs_err e;
    if (!copy) {
      if (!p->st) p->st = hs_err_set(&p->err, HS_ERR_NOMEM, "out of memory");
      return sync;
    }
    memcpy(copy, line, len);
    copy[len] = '\0';
    *nl = '\0';
    if (hs_cohort_row_parse(p->c, p->r, line, &i, &e) == HS_OK)
      sync |= cohort_pool_finished(p, copy);
    else if (!p->st) {
      p->st = e.code;
      p->err = e;
    }
    free(copy);
  }
  return sync;
}

static hs_status run_master(const hs_cohort *c, const hs_cohort_options *o, int nranks,
                            hs_cohort_results **out, hs_err *err) {
  cohort_pool p;
  cohort_pool_open(&p, c, o);
  /* chunks: small enough to balance, large enough to keep messages rare */
  size_t workers = (size_t)nranks * (size_t)o->threads;
  if (!o->chunk) {
    p.chunk = p.ntodo / (workers * 8) + 1;
    if (p.chunk > 16) p.chunk = 16;
  }
  pthread_t th[256];
  int started = p.st ? 0 : cohort_pool_start(&p, th, o->threads);
  int remote = nranks - 1;
  char *buf = NULL;
  size_t cap = 0;
  while (remote > 0) {
    int flag = 0, count;
    MPI_Status ms;
    MPI_Iprobe(MPI_ANY_SOURCE, TAG_RES, MPI_COMM_WORLD, &flag, &ms);
    if (!flag) {
      struct timespec ts = {0, 1000000}; /* 1 ms: do not spin on an oversubscribed node */
      nanosleep(&ts, NULL);
      continue;
    }
    MPI_Get_count(&ms, MPI_CHAR, &count);
    if ((size_t)count + 1 > cap) {
      char *nb = realloc(buf, (size_t)count + 1);
      if (nb) {
        buf = nb;
        cap = (size_t)count + 1;
      }
    }
    int fits = buf && (size_t)count < cap;
    char dummy[1];
    MPI_Recv(fits ? buf : dummy, fits ? count : 0, MPI_CHAR, ms.MPI_SOURCE, TAG_RES,
             MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    size_t a, b;
    int sync = 0;
    pthread_mutex_lock(&p.lock);
    if (!fits && !p.st) p.st = hs_err_set(&p.err, HS_ERR_NOMEM, "out of memory");
    if (fits) {
      buf[count] = '\0';
      sync = receive_rows(&p, buf);
    }
    cohort_pool_take(&p, &a, &b);
    size_t e2 = a < b ? a + 1 : b; /* a worker gets consecutive patients: cut the run */
    while (e2 < b && p.todo[e2] == p.todo[e2 - 1] + 1) e2++;
    p.next = b = e2;
    pthread_mutex_unlock(&p.lock);
    uint64_t range[2] = {a < b ? p.todo[a] : 0, a < b ? p.todo[a] + (b - a) : 0};
    MPI_Send(range, 2, MPI_UINT64_T, ms.MPI_SOURCE, TAG_WORK, MPI_COMM_WORLD);
    if (sync) cohort_pool_sync(&p); /* after the reply: the worker does not wait for it */
    if (a >= b) remote--;
  }
  free(buf);
  for (int k = 0; k < started; k++) pthread_join(th[k], NULL);
  if (!p.st && p.r && p.r->done < p.r->npatients && !o->limit)
    p.st = hs_err_set(&p.err, HS_ERR_STATE,
                      "%zu of %zu patients missing (a rank failed); --resume runs them",
                      p.r->npatients - p.r->done, p.r->npatients);
  return cohort_pool_close(&p, out, err);
}

hs_status hs_cohort_run_mpi(const hs_cohort *c, const hs_cohort_options *o, int *rank,
                            hs_cohort_results **out, hs_err *err) {
  hs_cohort_options def;
  *out = NULL;
  *rank = 0;
  hs_status st0 = cohort_options_check(&o, &def, err);
  if (st0) return st0;
  int provided, inited = 0, size = 1;
  MPI_Initialized(&inited);
  if (!inited && MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
    return hs_err_set(err, HS_ERR_STATE, "MPI_Init_thread failed");
  MPI_Comm_rank(MPI_COMM_WORLD, rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  hs_status st = *rank == 0 ? run_master(c, o, size, out, err) : run_worker(c, o, err);
  /* a worker's error is in its rows (error rows) or reported by rank 0 */
  if (!inited) MPI_Finalize();
  return st;
}

#else

int hs_cohort_mpi_available(void) { return 0; }

hs_status hs_cohort_run_mpi(const hs_cohort *c, const hs_cohort_options *o, int *rank,
                            hs_cohort_results **out, hs_err *err) {
  (void)c;
  (void)o;
  *rank = 0;
  *out = NULL;
  return hs_err_set(err, HS_ERR_STATE,
                    "this hemosim was built without MPI (install libopenmpi-dev and rebuild)");
}

#endif
