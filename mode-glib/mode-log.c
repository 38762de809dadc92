/* mode-log.c: the one way lines are logged in this library
 *
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Owns the "Mode" domain's structured lines: their fields, Mode's
 * "[^--Label]: " prefix, the level-to-priority mapping, the threshold
 * the worker's writer sets, and the batches that ask GLib once whether
 * routine lines are shown. It knows no service: callers give the label
 * and the depth.
 */

#include "config.h"

#include <string.h>

#include "mode-log-private.h"

/* The most verbose level the worker's log writer shows, or 0 when the
 * worker did not install one. */
static gint log_threshold;

void
_mode_log_set_threshold (GLogLevelFlags level)
{
  g_atomic_int_set (&log_threshold, (gint) level);
}

GLogLevelFlags
_mode_log_get_threshold (void)
{
  return (GLogLevelFlags) g_atomic_int_get (&log_threshold);
}

/* The syslog priority of a level, as journald reads it. */
const char *
_mode_log_priority (GLogLevelFlags level)
{
  switch ((int) (level & G_LOG_LEVEL_MASK))
    {
    case G_LOG_LEVEL_ERROR:    return "3";
    case G_LOG_LEVEL_CRITICAL: return "4";
    case G_LOG_LEVEL_WARNING:  return "4";
    case G_LOG_LEVEL_MESSAGE:  return "5";
    case G_LOG_LEVEL_INFO:     return "6";
    case G_LOG_LEVEL_DEBUG:    return "7";
    default:                   return "5";
    }
}

/* GLib's default writer reads G_MESSAGES_DEBUG from the environment
 * each time it is asked whether it would drop a line: a fifth of the
 * cost of a start and a third of a stop's, for their routine lines.
 * So it is asked once for all the steps of operations run in-line from
 * one outermost step (the start of a whole tree, say), in the thread
 * that runs them. */
struct _ModeLogBatch
{
  guint depth;      /* batches open in this thread */
  gint8 wanted[2];  /* info, debug lines: -1 not asked yet */
};

static GPrivate log_batch_key = G_PRIVATE_INIT (g_free);

ModeLogBatch *
_mode_log_batch_enter (void)
{
  ModeLogBatch *batch = g_private_get (&log_batch_key);

  if (G_UNLIKELY (batch == NULL))
    {
      batch = g_new0 (ModeLogBatch, 1);
      batch->wanted[0] = batch->wanted[1] = -1;
      g_private_set (&log_batch_key, batch);
    }
  batch->depth++;

  return batch;
}

void
_mode_log_batch_leave (ModeLogBatch *batch)
{
  if (--batch->depth == 0)
    batch->wanted[0] = batch->wanted[1] = -1;
}

/* Routine lines (info, debug) are made only when they will be shown:
 * by the worker's writer at its level, or by GLib's default writer
 * (G_MESSAGES_DEBUG, g_log_set_debug_enabled()). Formatting them for
 * nobody was most of the cost of a start. */
gboolean
_mode_log_wanted (GLogLevelFlags level)
{
  ModeLogBatch *batch;
  gint threshold;
  guint i;

  if ((level & (G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG)) == 0)
    return TRUE;

  threshold = g_atomic_int_get (&log_threshold);
  if (threshold != 0)
    return (gint) (level & G_LOG_LEVEL_MASK) <= threshold;

  batch = g_private_get (&log_batch_key);
  if (batch == NULL || batch->depth == 0)
    return !g_log_writer_default_would_drop (level, "Mode");

  i = (level & G_LOG_LEVEL_DEBUG) != 0;
  if (batch->wanted[i] < 0)
    batch->wanted[i] = !g_log_writer_default_would_drop (level, "Mode");
  return batch->wanted[i];
}

/* Writes "[^--Label]: " into @buffer: returns its length, 0 when it
 * does not fit. Copied rather than printed: a crash's line is made
 * while the supervisor waits to restart the service. */
static gsize
make_prefix (char       *buffer,
             gsize       size,
             const char *shortlabel,
             guint       depth)
{
  gsize shortlabel_len = strlen (shortlabel);
  char *p = buffer;

  if (depth > 80 || depth + shortlabel_len + 6 > size)
    {
      /* a label too long for the stack buffer, or deeper than 80: then
       * say how deep rather than draw the dashes */
      if (depth <= 80)
        g_snprintf (buffer, size, "[^%.*s%s]: ", (int) depth,
                    "--------------------------------------------------------------------------------",
                    shortlabel);
      else
        g_snprintf (buffer, size, "[^(%u)%s]: ", depth, shortlabel);
      return strlen (buffer);
    }

  *p++ = '[';
  *p++ = '^';
  memset (p, '-', depth);
  p += depth;
  memcpy (p, shortlabel, shortlabel_len);
  p += shortlabel_len;
  *p++ = ']';
  *p++ = ':';
  *p++ = ' ';
  *p = '\0';
  return (gsize) (p - buffer);
}

/* Formats @format into @buffer when it holds no conversion but "%s"
 * and "%%" (the engine's lines: a printf cost as much as the rest of a
 * crash's line); returns what g_vsnprintf() would, or -2 for a format
 * it leaves to g_vsnprintf(). */
static int
format_strings (char       *buffer,
                gsize       size,
                const char *format,
                va_list     args)
{
  gsize length = 0;

  if (size == 0)
    return -2;

  for (const char *f = format; *f != '\0'; )
    {
      const char *piece = f;
      gsize n;

      if (*f != '%')
        {
          /* the run of plain text up to the next conversion */
          while (*f != '\0' && *f != '%')
            f++;
          n = (gsize) (f - piece);
        }
      else if (f[1] == 's')
        {
          piece = va_arg (args, const char *);
          if (piece == NULL)
            piece = "(null)";
          n = strlen (piece);
          f += 2;
        }
      else if (f[1] == '%')
        {
          n = 1;
          f += 2;
        }
      else
        return -2;

      if (length + n < size)
        memcpy (buffer + length, piece, n);
      else if (length < size)
        memcpy (buffer + length, piece, size - length - 1);
      length += n;
    }

  buffer[MIN (length, size - 1)] = '\0';
  return length > G_MAXINT ? -1 : (int) length;
}

void
_mode_log_linev (GLogLevelFlags  level,
                 const char     *label,
                 const char     *shortlabel,
                 guint           depth,
                 const char     *format,
                 va_list         args)
{
  char buffer[512];
  g_autofree char *heap = NULL;
  gsize prefix = 0;
  int length;
  va_list copy;
  GLogField fields[4] = {
    { "GLIB_DOMAIN", "Mode", -1 },
    { "MESSAGE", NULL, -1 },
    { "PRIORITY", _mode_log_priority (level), -1 },
    { "MODE_SERVICE", label, -1 },
  };

  /* the line is made on the stack when it fits (it nearly always does) */
  buffer[0] = '\0';
  if (label != NULL)
    prefix = make_prefix (buffer, sizeof buffer, shortlabel != NULL ? shortlabel : label, depth);

  va_copy (copy, args);
  length = format_strings (buffer + prefix, sizeof buffer - prefix, format, copy);
  va_end (copy);
  if (length == -2)
    {
      va_copy (copy, args);
      length = g_vsnprintf (buffer + prefix, sizeof buffer - prefix, format, copy);
      va_end (copy);
    }
  if (length < 0 || prefix + 1 >= sizeof buffer || (gsize) length >= sizeof buffer - prefix)
    {
      g_autofree char *message = g_strdup_vprintf (format, args);

      buffer[prefix] = '\0';
      heap = g_strconcat (buffer, message, NULL);
    }

  fields[1].value = heap != NULL ? heap : buffer;
  g_log_structured_array (level, fields, label != NULL ? G_N_ELEMENTS (fields) : 3);
}

void
_mode_log_line (GLogLevelFlags  level,
                const char     *label,
                const char     *shortlabel,
                guint           depth,
                const char     *format,
                ...)
{
  va_list args;

  if (!_mode_log_wanted (level))
    return;

  va_start (args, format);
  _mode_log_linev (level, label, shortlabel, depth, format, args);
  va_end (args);
}
