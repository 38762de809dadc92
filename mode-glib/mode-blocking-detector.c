/* mode-blocking-detector.c
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#define _GNU_SOURCE

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#ifdef HAVE_EXECINFO_H
# include <execinfo.h>
#endif

#include <glib-unix.h>

#include "mode-blocking-detector.h"
#include "mode-i18n.h"
#include "mode-log-private.h"

/**
 * SECTION:mode-blocking-detector
 * @Title: ModeBlockingDetector
 * @Short_description: warns when a main context stops dispatching
 *
 * A #ModeBlockingDetector is a service that watches the #GMainContext it
 * belongs to (#ModeService:main-context) and logs a warning when that
 * context has not come back to its main loop for longer than
 * #ModeBlockingDetector:timeout seconds: when a callback, a hook or a
 * task blocks the thread, for example with a synchronous read or a
 * sleep. It is Mode's `BlockingDetector`; a #ModeWorker starts one when
 * it runs in debug mode (#ModeWorker:debug, `--debug`) with its
 * #ModeWorker:blocking-timeout.
 *
 * While it runs, a high priority source on the context takes the time
 * every quarter of the timeout, and a watchdog thread compares that time
 * with the clock just as often. When the context let a tick go by for
 * more than the timeout, the warning says which thread owns the context
 * and for how long it has been blocked, at least. It is logged once per
 * blocked stretch, from the watchdog thread, and nothing else happens:
 * unlike Mode, which raises an exception in the blocked code, the program
 * goes on. When the context runs again, #ModeBlockingDetector:detections
 * is notified there.
 *
 * The warning carries a backtrace of the blocked thread when one can be
 * had: on GNU libc, the watchdog sends `SIGURG` to that thread, whose
 * handler records the stack with backtrace(); the frames are printed
 * with backtrace_symbols(), that is, as addresses with the names the
 * dynamic symbol table knows (exported functions of shared libraries;
 * a program's own functions only when it is linked with `-rdynamic`).
 * Feed the addresses to `addr2line` or gdb for the rest. The handler is
 * installed while a detector runs, and only when nothing else handles
 * `SIGURG`; otherwise, or on a C library without backtrace(), the
 * warning names the thread and the duration only. The signal interrupts
 * the blocked call: system calls are restarted where the kernel allows
 * (`SA_RESTART`), but a call such as poll() may return `EINTR` to the
 * blocked code.
 *
 * |[<!-- language="C" -->
 * g_autoptr(ModeBlockingDetector) detector = mode_blocking_detector_new (2.0);
 *
 * mode_service_add_dependency (app, MODE_SERVICE (detector));
 * ]|
 */

/**
 * ModeBlockingDetector:
 *
 * Warns when the main context it belongs to stops dispatching.
 *
 * Since: 0.1
 */

#define MAX_FRAMES 64
/* how long the watchdog waits for the blocked thread's stack */
#define CAPTURE_TIMEOUT_MS 1000

struct _ModeBlockingDetector
{
  ModeService  parent_instance;

  gdouble      timeout;         /* seconds; the next start uses it */

  /* Set on start, before the watchdog thread exists, and read-only while
   * it runs. */
  gint64       timeout_usec;
  gint64       interval_usec;   /* a quarter of the timeout */
  pthread_t    owner;           /* the thread that runs the context */
  char         owner_name[16];
  char        *label;           /* (owned) (nullable) */
  char        *shortlabel;      /* (owned) (nullable) */
  guint        depth;           /* in the tree: the lines' prefix */
  gboolean     backtraces;      /* the SIGURG handler is ours */

  gint64       epoch;           /* monotonic time of the start */

  /* The context and the watchdog share two atomics; the mutex and the
   * condition only let the watchdog sleep and wake early on a stop. (On
   * Linux GMutex is a bare futex that ThreadSanitizer does not see.) */
  GMutex       mutex;
  GCond        cond;
  guint        last_tick;       /* atomic: ms after epoch of the last tick, modulo 2^32 */
  gint         stop;            /* atomic */

  GThread     *thread;          /* (owned) (nullable): the watchdog */
  GSource     *ping;            /* (owned) (nullable) */

  gint         detections;      /* atomic */
  gint         notified;        /* context only: detections notified so far */
};

G_DEFINE_FINAL_TYPE (ModeBlockingDetector, mode_blocking_detector, MODE_TYPE_SERVICE)

enum {
  PROP_0,
  PROP_TIMEOUT,
  PROP_DETECTIONS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The backtrace of another thread {{{
 *
 * Process-wide: one SIGURG handler, installed while at least one detector
 * runs, one capture at a time, and one pipe that the handler writes to
 * when it recorded the stack. The pipe lives as long as the process, so
 * that a handler that runs late never writes to a descriptor that was
 * closed and reused.
 */

G_LOCK_DEFINE_STATIC (capture);
static guint capture_users;             /* under capture */
static gboolean capture_installed;      /* under capture */
static struct sigaction capture_saved;  /* under capture */
static int capture_pipe[2] = { -1, -1 }; /* under capture */
#ifdef HAVE_EXECINFO_H
static void *capture_frames[MAX_FRAMES];
static gint capture_count;              /* atomic: frames in capture_frames */

static void
on_capture_signal (int signum)
{
  int saved_errno = errno;
  char byte = 0;

  g_atomic_int_set (&capture_count, backtrace (capture_frames, MAX_FRAMES));
  if (write (capture_pipe[1], &byte, 1) < 0)
    {
      /* nobody to tell: the watchdog gives up waiting */
    }
  errno = saved_errno;
}
#endif

/* Returns whether backtraces can be had. */
static gboolean
capture_install (void)
{
#ifdef HAVE_EXECINFO_H
  gboolean ok;

  G_LOCK (capture);
  if (capture_users++ == 0)
    {
      struct sigaction action = { 0 };
      void *frames[1];

      /* backtrace() loads the unwinder the first time: do it here, not
       * in the signal handler */
      backtrace (frames, G_N_ELEMENTS (frames));

      if (capture_pipe[0] < 0 &&
          (!g_unix_open_pipe (capture_pipe, FD_CLOEXEC, NULL) ||
           !g_unix_set_fd_nonblocking (capture_pipe[0], TRUE, NULL) ||
           !g_unix_set_fd_nonblocking (capture_pipe[1], TRUE, NULL)))
        {
          for (guint i = 0; i < G_N_ELEMENTS (capture_pipe); i++)
            if (capture_pipe[i] >= 0)
              {
                close (capture_pipe[i]);
                capture_pipe[i] = -1;
              }
        }

      if (capture_pipe[0] >= 0 &&
          sigaction (SIGURG, NULL, &capture_saved) == 0 &&
          !(capture_saved.sa_flags & SA_SIGINFO) &&
          (capture_saved.sa_handler == SIG_DFL || capture_saved.sa_handler == SIG_IGN))
        {
          action.sa_handler = on_capture_signal;
          action.sa_flags = SA_RESTART;
          sigemptyset (&action.sa_mask);
          capture_installed = sigaction (SIGURG, &action, NULL) == 0;
        }
    }
  ok = capture_installed;
  G_UNLOCK (capture);

  return ok;
#else
  return FALSE;
#endif
}

static void
capture_uninstall (void)
{
  G_LOCK (capture);
  g_assert (capture_users > 0);
  if (--capture_users == 0 && capture_installed)
    {
      sigaction (SIGURG, &capture_saved, NULL);
      capture_installed = FALSE;
    }
  G_UNLOCK (capture);
}

/* Returns the stack of @thread, one frame a line, or NULL. */
static char *
capture_backtrace (pthread_t thread)
{
#ifdef HAVE_EXECINFO_H
  GString *out = NULL;
  struct pollfd pfd;
  char buf[16];
  char **symbols;
  int n;

  G_LOCK (capture);
  if (!capture_installed)
    goto out;

  /* what a late handler wrote for an earlier capture */
  while (read (capture_pipe[0], buf, sizeof buf) > 0)
    ;
  g_atomic_int_set (&capture_count, 0);

  if (pthread_kill (thread, SIGURG) != 0)
    goto out;

  pfd.fd = capture_pipe[0];
  pfd.events = POLLIN;
  pfd.revents = 0;
  if (poll (&pfd, 1, CAPTURE_TIMEOUT_MS) <= 0 || read (capture_pipe[0], buf, 1) != 1)
    goto out;

  n = g_atomic_int_get (&capture_count);
  if (n <= 1)
    goto out;

  /* frame 0 is the signal handler */
  symbols = backtrace_symbols (capture_frames + 1, n - 1);
  if (symbols == NULL)
    goto out;

  out = g_string_new (NULL);
  for (int i = 0; i < n - 1; i++)
    g_string_append_printf (out, "\n  #%-2d %s", i, symbols[i]);
  free (symbols);

out:
  G_UNLOCK (capture);
  return out != NULL ? g_string_free (out, FALSE) : NULL;
#else
  return NULL;
#endif
}

/* }}} */

/* The watchdog {{{ */

/* The service's line, made in the watchdog thread: its label and depth
 * were noted in the context's thread at the start. */
static void
detector_log (ModeBlockingDetector *self,
              GLogLevelFlags        level,
              const char           *message)
{
  _mode_log_line (level, self->label, self->shortlabel, self->depth, "%s", message);
}

/* In the watchdog thread, while the context is blocked. */
static void
report_blocking (ModeBlockingDetector *self,
                 gint64                blocked_usec)
{
  g_autofree char *stack = NULL;
  g_autofree char *message = NULL;

  g_atomic_int_inc (&self->detections);

  if (self->backtraces)
    stack = capture_backtrace (self->owner);

  message = g_strdup_printf (_("Blocking detected: main context %p has not returned to its loop "
                               "in thread \"%s\" for at least %.2f seconds (blocking timeout %.2f seconds)%s%s"),
                             (gpointer) mode_service_get_main_context (MODE_SERVICE (self)),
                             self->owner_name,
                             blocked_usec / (gdouble) G_USEC_PER_SEC,
                             self->timeout_usec / (gdouble) G_USEC_PER_SEC,
                             stack != NULL ? _("; backtrace of the blocked thread:") : "",
                             stack != NULL ? stack : "");
  detector_log (self, G_LOG_LEVEL_WARNING, message);
}

static gpointer
watchdog (gpointer data)
{
  ModeBlockingDetector *self = data;
  guint reported_tick = G_MAXUINT;    /* last_tick of the stretch already reported */

  while (!g_atomic_int_get (&self->stop))
    {
      gint64 since;
      guint tick;
      guint now;

      g_mutex_lock (&self->mutex);
      if (!g_atomic_int_get (&self->stop))
        g_cond_wait_until (&self->cond, &self->mutex,
                           g_get_monotonic_time () + self->interval_usec);
      g_mutex_unlock (&self->mutex);
      if (g_atomic_int_get (&self->stop))
        break;

      /* The tick after the last one was due one interval later; the
       * context has been blocked since then at least. */
      tick = g_atomic_int_get (&self->last_tick);
      now = (guint) ((g_get_monotonic_time () - self->epoch) / 1000);
      since = (now - tick) * (gint64) 1000 - self->interval_usec;
      if (since > self->timeout_usec && tick != reported_tick)
        {
          reported_tick = tick;
          report_blocking (self, since);
        }
    }

  return NULL;
}

/* On the context. */
static gboolean
ping (gpointer data)
{
  ModeBlockingDetector *self = data;
  gint detections;

  g_atomic_int_set (&self->last_tick, (guint) ((g_get_monotonic_time () - self->epoch) / 1000));

  detections = g_atomic_int_get (&self->detections);
  if (detections != self->notified)
    {
      self->notified = detections;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DETECTIONS]);
    }

  return G_SOURCE_CONTINUE;
}

static void
stop_watching (ModeBlockingDetector *self)
{
  if (self->thread == NULL)
    return;

  g_mutex_lock (&self->mutex);
  g_atomic_int_set (&self->stop, TRUE);
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);
  g_clear_pointer (&self->thread, g_thread_join);

  if (self->ping != NULL)
    g_source_destroy (self->ping);
  g_clear_pointer (&self->ping, g_source_unref);

  if (self->backtraces)
    capture_uninstall ();
  self->backtraces = FALSE;
}

static gboolean
mode_blocking_detector_on_start (ModeService   *service,
                                 GCancellable  *cancellable,
                                 GError       **error)
{
  ModeBlockingDetector *self = MODE_BLOCKING_DETECTOR (service);
  guint interval_ms;

  /* a watchdog left from a start that did not stop */
  stop_watching (self);

  /* hooks run in the context's thread: the one to watch */
  self->owner = pthread_self ();
  if (pthread_getname_np (self->owner, self->owner_name, sizeof self->owner_name) != 0)
    g_strlcpy (self->owner_name, "?", sizeof self->owner_name);
  g_free (self->label);
  self->label = g_strdup (mode_service_get_label (service));
  g_free (self->shortlabel);
  self->shortlabel = g_strdup (mode_service_get_shortlabel (service));
  self->depth = mode_node_get_depth (mode_service_get_beacon (service));

  self->timeout_usec = (gint64) (self->timeout * G_USEC_PER_SEC);
  self->interval_usec = MAX (self->timeout_usec / 4, 1000);
  interval_ms = (guint) (self->interval_usec / 1000);
  self->backtraces = capture_install ();

  /* no watchdog runs: plain stores, published by the thread's creation */
  self->epoch = g_get_monotonic_time ();
  self->last_tick = 0;
  self->stop = FALSE;

  self->ping = g_timeout_source_new (interval_ms);
  g_source_set_static_name (self->ping, "[mode] blocking detector ping");
  g_source_set_priority (self->ping, G_PRIORITY_HIGH);
  g_source_set_callback (self->ping, ping, self, NULL);
  g_source_attach (self->ping, mode_service_get_main_context (service));

  self->thread = g_thread_try_new ("mode-watchdog", watchdog, self, error);
  if (self->thread == NULL)
    {
      stop_watching (self);
      return FALSE;
    }

  return TRUE;
}

static gboolean
mode_blocking_detector_on_shutdown (ModeService   *service,
                                    GCancellable  *cancellable,
                                    GError       **error)
{
  stop_watching (MODE_BLOCKING_DETECTOR (service));
  return TRUE;
}

/* }}} */

/**
 * mode_blocking_detector_new:
 * @timeout: how long, in seconds, the context may be blocked before a
 *   warning; more than 0
 *
 * Creates a blocking detector for the thread-default main context.
 *
 * Returns: (transfer full): a new #ModeBlockingDetector
 *
 * Since: 0.1
 */
ModeBlockingDetector *
mode_blocking_detector_new (gdouble timeout)
{
  g_return_val_if_fail (timeout > 0, NULL);

  return g_object_new (MODE_TYPE_BLOCKING_DETECTOR, "timeout", timeout, NULL);
}

/**
 * mode_blocking_detector_get_timeout:
 * @self: a #ModeBlockingDetector
 *
 * Gets the #ModeBlockingDetector:timeout.
 *
 * Returns: the timeout in seconds
 *
 * Since: 0.1
 */
gdouble
mode_blocking_detector_get_timeout (ModeBlockingDetector *self)
{
  g_return_val_if_fail (MODE_IS_BLOCKING_DETECTOR (self), 0.0);

  return self->timeout;
}

/**
 * mode_blocking_detector_set_timeout:
 * @self: a #ModeBlockingDetector
 * @timeout: the timeout in seconds, more than 0
 *
 * Sets the #ModeBlockingDetector:timeout. A detector that runs goes on
 * with the timeout it started with until it is restarted.
 *
 * Since: 0.1
 */
void
mode_blocking_detector_set_timeout (ModeBlockingDetector *self,
                                    gdouble               timeout)
{
  g_return_if_fail (MODE_IS_BLOCKING_DETECTOR (self));
  g_return_if_fail (timeout > 0);

  if (self->timeout == timeout)
    return;

  self->timeout = timeout;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEOUT]);
}

/**
 * mode_blocking_detector_get_detections:
 * @self: a #ModeBlockingDetector
 *
 * Gets the #ModeBlockingDetector:detections. Safe to call from any thread.
 *
 * Returns: how many times the context was found blocked
 *
 * Since: 0.1
 */
guint
mode_blocking_detector_get_detections (ModeBlockingDetector *self)
{
  g_return_val_if_fail (MODE_IS_BLOCKING_DETECTOR (self), 0);

  return (guint) g_atomic_int_get (&self->detections);
}

static void
mode_blocking_detector_dispose (GObject *object)
{
  stop_watching (MODE_BLOCKING_DETECTOR (object));

  G_OBJECT_CLASS (mode_blocking_detector_parent_class)->dispose (object);
}

static void
mode_blocking_detector_finalize (GObject *object)
{
  ModeBlockingDetector *self = MODE_BLOCKING_DETECTOR (object);

  g_clear_pointer (&self->label, g_free);
  g_clear_pointer (&self->shortlabel, g_free);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (mode_blocking_detector_parent_class)->finalize (object);
}

static void
mode_blocking_detector_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  ModeBlockingDetector *self = MODE_BLOCKING_DETECTOR (object);

  switch (prop_id)
    {
    case PROP_TIMEOUT:
      g_value_set_double (value, self->timeout);
      break;
    case PROP_DETECTIONS:
      g_value_set_uint (value, mode_blocking_detector_get_detections (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mode_blocking_detector_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  ModeBlockingDetector *self = MODE_BLOCKING_DETECTOR (object);

  switch (prop_id)
    {
    case PROP_TIMEOUT:
      mode_blocking_detector_set_timeout (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mode_blocking_detector_class_init (ModeBlockingDetectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ModeServiceClass *service_class = MODE_SERVICE_CLASS (klass);

  object_class->dispose = mode_blocking_detector_dispose;
  object_class->finalize = mode_blocking_detector_finalize;
  object_class->get_property = mode_blocking_detector_get_property;
  object_class->set_property = mode_blocking_detector_set_property;

  service_class->on_start = mode_blocking_detector_on_start;
  service_class->on_shutdown = mode_blocking_detector_on_shutdown;

  /**
   * ModeBlockingDetector:timeout:
   *
   * How long, in seconds, the main context may be blocked before the
   * detector warns. Read when the detector starts.
   *
   * Since: 0.1
   */
  properties[PROP_TIMEOUT] =
    g_param_spec_double ("timeout", NULL, NULL, G_MINDOUBLE, G_MAXDOUBLE, 10.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ModeBlockingDetector:detections:
   *
   * How many times the main context was found blocked. It counts up in
   * the watchdog thread; the notification comes on the main context,
   * once the context runs again.
   *
   * Since: 0.1
   */
  properties[PROP_DETECTIONS] =
    g_param_spec_uint ("detections", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
mode_blocking_detector_init (ModeBlockingDetector *self)
{
  self->timeout = 10.0;
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
}

/* vim: set foldmethod=marker: */
