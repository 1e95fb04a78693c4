/*
 * analysis/cohort_mpi.c - a study across MPI ranks (docs/cohort.md "Running with MPI").
 *
 * Rank 0 owns the list of unfinished patients, the results and the checkpoint.  Its
 * threads compute like the threaded runner while its main thread serves the other
 * ranks: a rank sends the rows it has finished with a request ('R') and receives the
 * next run [a, b) of consecutive patients, or an empty one when the study is done; it
 * then finishes what it has queued and sends its last rows ('F').  A rank asks before
 * its queue is empty (as soon as fewer patients are queued than it has threads), so its
 * threads never wait for the round trip or for the slowest patient of a run (dynamic
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

/* A worker rank's queue.  Its threads compute the patients of todo; its main thread (the
   only one calling MPI) sends the finished rows with a request for more as soon as fewer
   patients are queued than there are threads, so the next run arrives before the queue
   is empty: no thread waits for the slowest patient of a run or for the round trip. */
typedef struct worker_queue {
  const hs_cohort *c;
  hs_cohort_results *r;
  int threads;
  pthread_mutex_t lock;
  pthread_cond_t work; /* to the threads: patients queued, or the end */
  pthread_cond_t low;  /* to the main thread: fewer queued than threads, or an error */
  size_t *todo, ntodo, next, cap;
  char *rows; /* finished rows not yet sent, as checkpoint lines */
  size_t len, rows_cap;
  int end; /* rank 0 has no more work */
  hs_status st;
  hs_err err;
} worker_queue;

/* under q->lock */
static void queue_fail(worker_queue *q, hs_status st, const hs_err *e) {
  if (q->st == HS_OK) {
    q->st = st;
    q->err = *e;
  }
  pthread_cond_signal(&q->low);
}

static void *queue_worker(void *arg) {
  worker_queue *q = arg;
  pthread_mutex_lock(&q->lock);
  for (;;) {
    while (q->next >= q->ntodo && !q->end && q->st == HS_OK) pthread_cond_wait(&q->work, &q->lock);
    if (q->next >= q->ntodo || q->st) break;
    size_t i = q->todo[q->next++];
    if (q->ntodo - q->next < (size_t)q->threads) pthread_cond_signal(&q->low);
    pthread_mutex_unlock(&q->lock);
    hs_err e = {HS_OK, ""};
    hs_status st = hs_cohort_eval(q->c, i, q->r, &e);
    char *line = st ? NULL : hs_cohort_row_text(q->c, q->r, i);
    size_t n = line ? strlen(line) : 0;
    pthread_mutex_lock(&q->lock);
    if (!st && !line) st = hs_err_set(&e, HS_ERR_NOMEM, "out of memory");
    if (!st && q->len + n + 1 > q->rows_cap) {
      size_t cap = 2 * q->rows_cap + n + 4096;
      char *nb = realloc(q->rows, cap);
      if (nb) {
        q->rows = nb;
        q->rows_cap = cap;
      } else {
        st = hs_err_set(&e, HS_ERR_NOMEM, "out of memory");
      }
    }
    if (st) {
      queue_fail(q, st, &e);
    } else {
      memcpy(q->rows + q->len, line, n + 1);
      q->len += n;
    }
    free(line);
  }
  pthread_mutex_unlock(&q->lock);
  return NULL;
}

/* Send the finished rows to rank 0: kind 'R' asks for more work (rank 0 replies with a
   run [a, b), empty when there is none left), 'F' says this rank is finished. */
static void send_rows(worker_queue *q, char kind) {
  pthread_mutex_lock(&q->lock);
  char *rows = q->rows;
  size_t len = q->len;
  q->rows = NULL;
  q->len = q->rows_cap = 0;
  pthread_mutex_unlock(&q->lock);
  char *msg = malloc(len + 1);
  if (msg) {
    msg[0] = kind;
    if (len) memcpy(msg + 1, rows, len);
  }
  /* out of memory: the bare request (rank 0 then misses these rows and reports the study
     incomplete; --resume runs them) */
  MPI_Send(msg ? msg : &kind, msg ? (int)(len + 1) : 1, MPI_CHAR, 0, TAG_RES, MPI_COMM_WORLD);
  free(msg);
  free(rows);
}

static hs_status run_worker(const hs_cohort *c, const hs_cohort_options *o, hs_err *err) {
  worker_queue q;
  memset(&q, 0, sizeof q);
  q.c = c;
  q.threads = o->threads;
  pthread_mutex_init(&q.lock, NULL);
  pthread_cond_init(&q.work, NULL);
  pthread_cond_init(&q.low, NULL);
  pthread_t th[256];
  int started = 0;
  if ((q.r = hs_cohort_results_new(c, &q.err)))
    for (int k = 0; k < o->threads; k++)
      started += pthread_create(&th[started], NULL, queue_worker, &q) == 0;
  if (!q.r) q.st = q.err.code;
  else if (!started) q.st = hs_err_set(&q.err, HS_ERR_STATE, "cannot start a thread");
  uint64_t range[2];
  for (;;) {
    pthread_mutex_lock(&q.lock);
    while (q.st == HS_OK && q.ntodo - q.next >= (size_t)q.threads)
      pthread_cond_wait(&q.low, &q.lock);
    int stop = q.st != HS_OK;
    pthread_mutex_unlock(&q.lock);
    if (stop) break; /* no more requests: finish what is queued and say so */
    send_rows(&q, 'R');
    MPI_Recv(range, 2, MPI_UINT64_T, 0, TAG_WORK, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (range[0] >= range[1]) break;
    size_t n = (size_t)(range[1] - range[0]);
    pthread_mutex_lock(&q.lock);
    if (q.next >= q.ntodo) q.next = q.ntodo = 0; /* everything taken: start the list again */
    if (q.ntodo + n > q.cap) {
      size_t cap = 2 * q.cap + n;
      size_t *nt = realloc(q.todo, cap * sizeof *nt);
      if (nt) {
        q.todo = nt;
        q.cap = cap;
      }
    }
    if (q.ntodo + n <= q.cap) {
      for (size_t k = 0; k < n; k++) q.todo[q.ntodo++] = (size_t)range[0] + k;
      pthread_cond_broadcast(&q.work);
    } else {
      hs_err e;
      hs_err_set(&e, HS_ERR_NOMEM, "out of memory");
      queue_fail(&q, HS_ERR_NOMEM, &e);
    }
    pthread_mutex_unlock(&q.lock);
  }
  pthread_mutex_lock(&q.lock);
  q.end = 1;
  pthread_cond_broadcast(&q.work);
  pthread_mutex_unlock(&q.lock);
  for (int k = 0; k < started; k++) pthread_join(th[k], NULL);
  send_rows(&q, 'F'); /* the last rows; rank 0 does not reply */
  free(q.todo);
  free(q.rows);
  hs_cohort_results_free(q.r);
  pthread_cond_destroy(&q.work);
  pthread_cond_destroy(&q.low);
  pthread_mutex_destroy(&q.lock);
  /* a worker's failure is reported by rank 0 (the study incomplete) */
  if (q.st && err) *err = q.err;
  return q.st;
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
    MPI_Recv(fits ? buf : dummy, fits ? count : 1, MPI_CHAR, ms.MPI_SOURCE, TAG_RES,
             MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    char kind = count < 1 ? 'F' : fits ? buf[0] : dummy[0]; /* 'R': rows and a request,
                                                                'F': finished */
    size_t a, b;
    int sync = 0;
    pthread_mutex_lock(&p.lock);
    if (!fits && !p.st) p.st = hs_err_set(&p.err, HS_ERR_NOMEM, "out of memory");
    if (fits && count > 0) {
      buf[count] = '\0';
      sync = receive_rows(&p, buf + 1);
    }
    if (kind != 'R') { /* finished (or an unreadable message): no reply */
      pthread_mutex_unlock(&p.lock);
      if (sync) cohort_pool_sync(&p);
      remote--;
      continue;
    }
    cohort_pool_take(&p, &a, &b);
    size_t e2 = a < b ? a + 1 : b; /* a worker gets consecutive patients: cut the run */
    while (e2 < b && p.todo[e2] == p.todo[e2 - 1] + 1) e2++;
    p.next = b = e2;
    pthread_mutex_unlock(&p.lock);
    uint64_t range[2] = {a < b ? p.todo[a] : 0, a < b ? p.todo[a] + (b - a) : 0};
    MPI_Send(range, 2, MPI_UINT64_T, ms.MPI_SOURCE, TAG_WORK, MPI_COMM_WORLD);
    if (sync) cohort_pool_sync(&p); /* after the reply: the worker does not wait for it */
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
