/* mode-log-writer.c: the worker's log writer, Mode's line format
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Lines read `[2026-11-25 12:00:00,123: INFO]: [^-Label]: message`,
 * coloured on a terminal, to stderr or to a file; when stderr is the
 * systemd journal, the structured fields go to the journal instead.
 *
 * A process has one log writer, so this one is process-wide state,
 * installed once, the first time a worker that overrides logging runs:
 * only the worker calls this file (mode-log-writer-private.h). It tells
 * mode-log.c its level, so that the library makes only the lines it
 * shows.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "mode-i18n.h"
#include "mode-log-private.h"
#include "mode-log-writer-private.h"

G_LOCK_DEFINE_STATIC (log_state);
/* the most verbose level shown is the logging module's threshold */
static GLogLevelFlags log_configured = G_LOG_LEVEL_MESSAGE; /* what SIGUSR2 goes back to */
static FILE *log_file;          /* NULL: stderr */
static gboolean log_colors;
static gboolean log_journald;

/* The level a --loglevel name stands for, message for %NULL; for a
 * name it does not know, *@ok is FALSE and the level message. */
GLogLevelFlags
_mode_log_level_from_name (const char *name,
                           gboolean   *ok)
{
  static const struct { const char *name; GLogLevelFlags level; } levels[] = {
    { "debug", G_LOG_LEVEL_DEBUG },
    { "info", G_LOG_LEVEL_INFO },
    { "message", G_LOG_LEVEL_MESSAGE },
    { "notice", G_LOG_LEVEL_MESSAGE },
    { "warn", G_LOG_LEVEL_WARNING },
    { "warning", G_LOG_LEVEL_WARNING },
    { "critical", G_LOG_LEVEL_CRITICAL },
    { "error", G_LOG_LEVEL_CRITICAL },
  };

  *ok = TRUE;
  if (name == NULL)
    return G_LOG_LEVEL_MESSAGE;
  for (guint i = 0; i < G_N_ELEMENTS (levels); i++)
    if (g_ascii_strcasecmp (name, levels[i].name) == 0)
      return levels[i].level;

  *ok = FALSE;
  return G_LOG_LEVEL_MESSAGE;
}

static const char *
level_name (GLogLevelFlags level)
{
  switch ((int) (level & G_LOG_LEVEL_MASK))
    {
    case G_LOG_LEVEL_ERROR:    return "ERROR";
    case G_LOG_LEVEL_CRITICAL: return "CRITICAL";
    case G_LOG_LEVEL_WARNING:  return "WARNING";
    case G_LOG_LEVEL_MESSAGE:  return "MESSAGE";
    case G_LOG_LEVEL_INFO:     return "INFO";
    case G_LOG_LEVEL_DEBUG:    return "DEBUG";
    default:                   return "LOG";
    }
}

static const char *
level_color (GLogLevelFlags level)
{
  switch ((int) (level & G_LOG_LEVEL_MASK))
    {
    case G_LOG_LEVEL_ERROR:
    case G_LOG_LEVEL_CRITICAL: return "\033[1;31m";
    case G_LOG_LEVEL_WARNING:  return "\033[1;33m";
    case G_LOG_LEVEL_MESSAGE:  return "\033[1;36m";
    case G_LOG_LEVEL_DEBUG:    return "\033[34m";
    default:                   return "";
    }
}

/* The "%Y-%m-%d %H:%M:%S" of the current second, made once a second:
 * a line costs a copy of it, not a time zone lookup and a strftime().
 * Under the log_state lock. */
static gint64 stamp_second = -1;
static char stamp_text[32];
static gsize stamp_length;

static void
stamp_now_locked (char  *stamp,
                  gsize  size,
                  int   *millis)
{
  gint64 now = g_get_real_time ();
  gint64 second = now / G_USEC_PER_SEC;

  if (second != stamp_second)
    {
      time_t t = (time_t) second;
      struct tm tm;

      /* the time zone is looked at again once a second, as before */
      tzset ();
      if (localtime_r (&t, &tm) == NULL ||
          strftime (stamp_text, sizeof stamp_text, "%Y-%m-%d %H:%M:%S", &tm) == 0)
        g_strlcpy (stamp_text, "?", sizeof stamp_text);
      stamp_second = second;
      stamp_length = strlen (stamp_text);
    }

  g_assert (size > stamp_length);
  memcpy (stamp, stamp_text, stamp_length + 1);
  *millis = (int) (now % G_USEC_PER_SEC / 1000);
}

/* Writes @length bytes at once, past stdio's buffer (emptied first:
 * what the program wrote to the stream before comes first) */
static void
write_out (FILE       *out,
           const char *line,
           gsize       length)
{
  int fd;

  fflush (out);
  fd = fileno (out);
  if (fd < 0)
    {
      fwrite (line, 1, length, out);
      fflush (out);
      return;
    }

  while (length > 0)
    {
      gssize n = write (fd, line, length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return;  /* nowhere to say it */
      line += n;
      length -= (gsize) n;
    }
}

/* Appends @length bytes of @text to the line in @line (of @size bytes,
 * @length of them used), when they fit; counts them all the same. */
static inline void
append (char       *line,
        gsize       size,
        gsize      *used,
        const char *text,
        gsize       length)
{
  if (*used + length < size)
    memcpy (line + *used, text, length);
  *used += length;
}

#define APPEND_LITERAL(s) append (line, size, &length, (s), sizeof (s) - 1)
#define APPEND_STRING(s)  append (line, size, &length, (s), strlen (s))

/* Puts the line together in @line, of @size bytes; returns its length,
 * which is @size or more when it did not fit (nothing past @size is
 * written). */
static gsize
assemble_line (char           *line,
               gsize           size,
               GLogLevelFlags  level,
               const char     *domain,
               const char     *message,
               gboolean        colors,
               const char     *stamp,
               int             millis)
{
  char ms[4] = { '0' + (millis / 100) % 10, '0' + (millis / 10) % 10, '0' + millis % 10, 0 };
  gsize length = 0;

  if (colors)
    APPEND_STRING (level_color (level));
  APPEND_LITERAL ("[");
  APPEND_STRING (stamp);
  APPEND_LITERAL (",");
  append (line, size, &length, ms, 3);
  APPEND_LITERAL (": ");
  APPEND_STRING (level_name (level));
  APPEND_LITERAL ("]: ");
  if (domain != NULL)
    {
      APPEND_STRING (domain);
      APPEND_LITERAL (": ");
    }
  APPEND_STRING (message);
  if (colors)
    APPEND_LITERAL ("\033[0m");
  APPEND_LITERAL ("\n");

  return length;
}

#undef APPEND_LITERAL
#undef APPEND_STRING

/* Writes one line in Mode's manner, at once: assembled on the stack
 * when it fits, as nearly every line does. */
static void
write_line (FILE            *out,
            GLogLevelFlags   level,
            const GLogField *fields,
            gsize            n_fields,
            gboolean         colors,
            const char      *stamp,
            int              millis)
{
  const char *message = "";
  const char *domain = NULL;
  char buffer[1024];
  g_autofree char *heap = NULL;
  gsize length;

  for (gsize i = 0; i < n_fields; i++)
    {
      const char *key = fields[i].key;

      /* the keys wanted both begin with a capital M or G */
      if (key == NULL || (key[0] != 'M' && key[0] != 'G'))
        continue;
      if (strcmp (key, "MESSAGE") == 0 && fields[i].value != NULL)
        message = fields[i].value;
      else if (strcmp (key, "GLIB_DOMAIN") == 0)
        domain = fields[i].value;
    }
  /* our own domain goes without saying */
  if (domain != NULL && strcmp (domain, G_LOG_DOMAIN) == 0)
    domain = NULL;

  /* a printf here cost more than the rest of a crash (a supervised one
   * logs a line) */
  length = assemble_line (buffer, sizeof buffer, level, domain, message, colors, stamp, millis);
  if (length >= sizeof buffer)
    {
      heap = g_malloc (length + 1);
      assemble_line (heap, length + 1, level, domain, message, colors, stamp, millis);
    }
  write_out (out, heap != NULL ? heap : buffer, length);
}

static GLogWriterOutput
worker_log_writer (GLogLevelFlags   level,
                   const GLogField *fields,
                   gsize            n_fields,
                   gpointer         user_data)
{
  GLogLevelFlags threshold;
  gboolean colors;
  gboolean journald;
  char stamp[32];
  int millis;
  FILE *out;

  threshold = _mode_log_get_threshold ();
  G_LOCK (log_state);
  /* lower bits are more severe */
  if ((level & G_LOG_LEVEL_MASK) > threshold && !(level & G_LOG_FLAG_FATAL))
    {
      G_UNLOCK (log_state);
      return G_LOG_WRITER_HANDLED;
    }
  colors = log_colors;
  journald = log_journald;
  out = log_file != NULL ? log_file : stderr;
  stamp_now_locked (stamp, sizeof stamp, &millis);
  G_UNLOCK (log_state);

  if (journald && g_log_writer_journald (level, fields, n_fields, user_data) == G_LOG_WRITER_HANDLED)
    return G_LOG_WRITER_HANDLED;

  write_line (out, level, fields, n_fields, colors, stamp, millis);

  return G_LOG_WRITER_HANDLED;
}

/* Opens @path for appending into *@file; a %NULL @path is stderr: a
 * %NULL *@file. */
static gboolean
open_log_file (const char  *path,
               FILE       **file,
               GError     **error)
{
  int saved_errno;

  *file = NULL;
  if (path == NULL)
    return TRUE;

  *file = g_fopen (path, "ae");
  if (*file != NULL)
    return TRUE;

  saved_errno = errno;
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               _("Cannot open log file %s: %s"), path, g_strerror (saved_errno));
  return FALSE;
}

/* Shows @level and what is more severe, to the file at @path (appended
 * to) or to stderr when it is %NULL, coloured when that is a terminal,
 * through the journal when that is the journal. The first call installs
 * the writer; a later one replaces the settings of the one before (and
 * closes its file). The library's lines follow the level
 * (_mode_log_set_threshold(), under the writer's lock). Fails, changing
 * nothing, when the file cannot be opened. */
gboolean
_mode_log_writer_install (GLogLevelFlags   level,
                          const char      *path,
                          GError         **error)
{
  static gsize installed;
  FILE *file;

  if (!open_log_file (path, &file, error))
    return FALSE;

  G_LOCK (log_state);
  if (log_file != NULL)
    fclose (log_file);
  log_file = file;
  log_configured = level;
  _mode_log_set_threshold (level);
  log_colors = file == NULL && isatty (STDERR_FILENO);
  log_journald = file == NULL && g_log_writer_is_journald (STDERR_FILENO);
  G_UNLOCK (log_state);

  if (g_once_init_enter (&installed))
    {
      g_log_set_writer_func (worker_log_writer, NULL, NULL);
      g_once_init_leave (&installed, 1);
    }

  return TRUE;
}

/* Shows everything, or, when it did, goes back to the level installed
 * last (SIGUSR2). */
void
_mode_log_writer_toggle_debug (void)
{
  G_LOCK (log_state);
  _mode_log_set_threshold (_mode_log_get_threshold () == G_LOG_LEVEL_DEBUG ? log_configured
                                                                          : G_LOG_LEVEL_DEBUG);
  G_UNLOCK (log_state);
}
