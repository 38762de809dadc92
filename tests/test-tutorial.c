/* test-tutorial.c: the tutorial of examples/ run as a program: its
 * Webserver, a ModeServiceThread, answers HTTP; a port in use fails the
 * start with that error; SIGTERM stops it cleanly. Its options are the
 * worker's: --help lists them, a bad one is refused with status 64.
 *
 * SPDX-License-Identifier: BSD-3-Clause
 */

#include <signal.h>

#include <gio/gio.h>

#include "test-util.h"

typedef struct
{
  GSubprocess      *process;
  GDataInputStream *stderr_lines;
  GString          *output;     /* all of stderr read so far */
} Tutorial;

static void
tutorial_start (Tutorial   *tutorial,
                const char *port)
{
  const char *path = g_getenv ("MODE_TUTORIAL");
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (path);
  tutorial->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_SILENCE,
                                        &error, path, "--web-port", port,
                                        "--loglevel", "info", NULL);
  g_assert_no_error (error);
  tutorial->stderr_lines = g_data_input_stream_new (g_subprocess_get_stderr_pipe (tutorial->process));
  tutorial->output = g_string_new (NULL);
}

static void
tutorial_clear (Tutorial *tutorial)
{
  g_clear_object (&tutorial->stderr_lines);
  g_clear_object (&tutorial->process);
  if (tutorial->output != NULL)
    g_string_free (g_steal_pointer (&tutorial->output), TRUE);
}

/* Reads stderr until a line matches @pattern (a glob); returns it, or
 * NULL at the end of the output. */
static char *
tutorial_wait_line (Tutorial   *tutorial,
                    const char *pattern)
{
  char *line;

  while ((line = g_data_input_stream_read_line_utf8 (tutorial->stderr_lines, NULL, NULL, NULL)) != NULL)
    {
      g_string_append_printf (tutorial->output, "%s\n", line);
      if (g_pattern_match_simple (pattern, line))
        return line;
      g_free (line);
    }

  return NULL;
}

static int
tutorial_wait_exit (Tutorial *tutorial)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  /* read what is left, then reap */
  line = tutorial_wait_line (tutorial, "\001 never matches");
  g_assert_null (line);
  g_subprocess_wait (tutorial->process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (tutorial->process));

  return g_subprocess_get_exit_status (tutorial->process);
}

static guint16
served_port (const char *line)
{
  const char *colon = strrchr (line, ':');

  g_assert_nonnull (colon);
  return (guint16) g_ascii_strtoull (colon + 1, NULL, 10);
}

/* An HTTP/1.0 GET with GIO, as any client would; returns the response. */
static char *
http_get (guint16     port,
          const char *path)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *request = g_strdup_printf ("GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n", path);
  g_autoptr(GByteArray) response = g_byte_array_new ();
  guint8 buffer[4096];
  gssize n;

  g_socket_client_set_timeout (client, TEST_TIMEOUT_SECONDS);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);

  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                             request, strlen (request), NULL, NULL, &error);
  g_assert_no_error (error);

  while ((n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                   buffer, sizeof buffer, NULL, &error)) > 0)
    g_byte_array_append (response, buffer, n);
  g_assert_no_error (error);

  g_byte_array_append (response, (const guint8 *) "", 1);
  return g_strdup ((const char *) response->data);
}

static void
test_serves_http (void)
{
  Tutorial tutorial = { 0, };
  g_autofree char *line = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  guint16 port;

  tutorial_start (&tutorial, "0");
  line = tutorial_wait_line (&tutorial, "*Webserver: serving on http://127.0.0.1:*/");
  g_assert_nonnull (line);
  port = served_port (line);
  g_assert_cmpuint (port, >, 0);

  first = http_get (port, "/hello");
  g_assert_true (g_str_has_prefix (first, "HTTP/1.0 200 OK\r\n"));
  g_assert_nonnull (strstr (first, "request: GET /hello\n"));
  g_assert_nonnull (strstr (first, "served by: Webserver, request 1\n"));

  second = http_get (port, "/again");
  g_assert_nonnull (strstr (second, "request: GET /again\n"));
  g_assert_nonnull (strstr (second, "request 2\n"));

  g_subprocess_send_signal (tutorial.process, SIGTERM);
  g_assert_cmpint (tutorial_wait_exit (&tutorial), ==, 0);
  g_assert_nonnull (strstr (tutorial.output->str, "Webserver: closed after 2 requests"));
  tutorial_clear (&tutorial);
}

static void
test_port_in_use (void)
{
  g_autoptr(GSocketListener) holder = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *port = NULL;
  Tutorial tutorial = { 0, };

  /* a port taken by this process */
  g_socket_listener_add_address (holder, address, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &effective, &error);
  g_assert_no_error (error);
  port = g_strdup_printf ("%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective)));

  /* the Webserver's start fails in its thread; the worker exits 1 and
   * says why */
  tutorial_start (&tutorial, port);
  g_assert_cmpint (tutorial_wait_exit (&tutorial), ==, 1);
  g_assert_nonnull (strstr (tutorial.output->str, "Address already in use"));
  /* the crash line names where the crash began: in the service thread */
  g_assert_nonnull (strstr (tutorial.output->str, "\nWebserver crashed: "));
  g_assert_null (strstr (tutorial.output->str, "Webserver: serving on"));
  tutorial_clear (&tutorial);
}

/* Runs the tutorial with @args to its end; returns its status, and its
 * stdout and stderr. */
static int
tutorial_run (const char * const  *args,
              char               **out,
              char               **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (argv, (gpointer) g_getenv ("MODE_TUTORIAL"));
  g_assert_nonnull (argv->pdata[0]);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, out, err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));

  return g_subprocess_get_exit_status (process);
}

/* The tutorial's options are listed with the worker's, by the worker. */
static void
test_help (void)
{
  const char *args[] = { "--help", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (tutorial_run (args, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "--loglevel=LEVEL"));
  g_assert_nonnull (strstr (out, "--graph=PATH"));
  g_assert_nonnull (strstr (out, "--web-port=PORT"));
  g_assert_nonnull (strstr (out, "The Webserver's port (8000; 0 for any free port)"));
  g_assert_nonnull (strstr (out, "--web-bind=ADDRESS"));
  g_assert_cmpstr (err, ==, "");
}

/* A port out of range is refused by the worker's on_execute, a value
 * that is no number by the parse; both before anything starts. */
static void
test_bad_port (void)
{
  const char *out_of_range[] = { "--web-port", "70000", NULL };
  const char *not_a_number[] = { "--web-port", "eighty", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (tutorial_run (out_of_range, &out, &err), ==, 64);
  g_assert_nonnull (strstr (err, "Not a port for --web-port: 70000\n"));
  g_assert_null (strstr (out, "Worker ready"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (tutorial_run (not_a_number, &out, &err), ==, 64);
  g_assert_nonnull (strstr (err, "--web-port"));
  g_assert_null (strstr (out, "Worker ready"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_setenv ("LC_ALL", "C", TRUE);   /* the tutorial's messages, untranslated */

  g_test_add_func ("/tutorial/serves-http", test_serves_http);
  g_test_add_func ("/tutorial/port-in-use", test_port_in_use);
  g_test_add_func ("/tutorial/help", test_help);
  g_test_add_func ("/tutorial/bad-port", test_bad_port);

  return g_test_run ();
}
