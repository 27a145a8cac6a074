// SPDX-License-Identifier: GPL-3.0-or-later
/* Starts one program and times its start from the X server's own events,
 * for build-aux/bench: exec → its toplevel mapped → its first painted frame
 * (→ the first frame painted under a given window title), then its peak
 * RSS. It prints one JSON object on stdout and nothing else.
 *
 *   bench-launch [--title TITLE] [--settle-ms MS] [--timeout-ms MS]
 *                [--stop-pid PID --stop-ms MS] [--any-pid] [--smaps FILE]
 *                [--commands]
 *                -- PROGRAM [ARG…]
 *
 * Nothing here polls the program: the launcher sleeps in poll() on its X
 * connection and wakes for the events it asked for.
 *
 * - SubstructureNotify on the root window reports each toplevel the
 *   program creates and maps (Xvfb has no window manager, so nothing
 *   reparents them). The toplevel is the first window mapped whose
 *   _NET_WM_PID is the program's.
 * - Every window is given an XDamage object with RawRectangles reporting as
 *   soon as it is created, before it is mapped. When the toplevel is mapped,
 *   the X server first paints its background itself, which is damage too
 *   (the whole window, within a few µs of the MapNotify), and then sends
 *   Expose. So the first painted frame is the first damage after the first
 *   Expose: GTK 4's cairo renderer paints a frame into an offscreen pixmap
 *   and copies it into the window at the end of the frame
 *   (gdk_x11_cairo_context_end_frame), so that damage is a frame, complete.
 * - PropertyNotify of _NET_WM_NAME follows the window title, which
 *   Authflow sets to the page it shows. With --title, the figure is the
 *   first damage that follows the title becoming TITLE in the event stream:
 *   the first frame of that page. The X server keeps one client's requests
 *   in order, so a frame painted before the title changed is reported
 *   before the PropertyNotify.
 * - A window that is mapped before the launcher has selected its events
 *   (the bare window maps 3 ms after it is created) may have had its
 *   Expose and first frame unseen: the start then fails with "missed the
 *   map", and build-aux/bench runs it again.
 * - Peak RSS is VmHWM from /proc/PID/status, read --settle-ms after that
 *   frame, just before SIGKILL; wait4()'s ru_maxrss is printed beside it.
 * - --stop-pid stops a process (the keyring daemon) with SIGSTOP just
 *   before the program starts and lets it go on with SIGCONT --stop-ms
 *   after: a Secret Service that takes that long to answer.
 *
 * Times are CLOCK_MONOTONIC milliseconds from just before fork(), taken
 * when each event is read; t0_realtime_us is that instant on the wall
 * clock, to line the figures up with the program's own timestamped logs.
 * --any-pid takes the first toplevel mapped by any process, for a PROGRAM
 * that is a wrapper (perf record, strace) of the one that opens the window:
 * VmHWM and SIGKILL are then for the window's _NET_WM_PID, and the wrapper
 * is waited for (ru_maxrss is then the wrapper's own). --smaps copies the
 * program's /proc/PID/smaps there just before the kill.
 *
 * With --commands (and --title), the launcher does not stop at the page's
 * first frame: it prints that start as a line {"event": "ready", …} and
 * then takes commands on its standard input, one a line, each answered
 * with one JSON line, so that a script can time what a person does next
 * from the same X events (build-aux/bench --calls):
 *
 *   focus          gives the toplevel the keyboard focus (XSetInputFocus;
 *                  there is no window manager to do it)
 *   type TEXT      types TEXT with XTest, key by key (untimed)
 *   key KEYSYM     presses and releases one key with XTest (Return, space,
 *                  Tab…), both sent at once: the timed event. Its answer
 *                  says when it was sent and when the X server had taken
 *                  it (a round trip later), and from then on the launcher
 *                  keeps every damage report and title change of the
 *                  toplevel
 *   events         what was kept since the last key: {"damage": [[ms, x,
 *                  y, width, height], …], "titles": [[ms, title], …]}
 *   quit           ends as without --commands: VmHWM, SIGKILL, the last
 *                  line (end of input does the same)
 *
 * XTest's events are real input to the X server: GTK gets them as it gets
 * a person's, through the same XInput 2 path. t0_monotonic_ms is the
 * launcher's zero on CLOCK_MONOTONIC, which is the clock of GLib's
 * g_get_monotonic_time() and so of the trace's "monotonic": journal
 * entries line up with the X events to the microsecond.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <X11/Xatom.h>
#include <X11/XKBlib.h>
#include <X11/Xlib.h>
#include <X11/keysym.h>
#include <X11/extensions/Xdamage.h>
#include <X11/extensions/XTest.h>

#define MAX_WINDOWS 64
#define MAX_TITLES 16
#define MAX_KEPT 4096

typedef struct
{
  Window  xid;
  Damage  damage;
  double  created;
  char   *title;
  /* Mapped already when the launcher got to watching it. */
  int     late;
} Tracked;

typedef struct
{
  double  at;
  char   *title;
} TitleChange;

static Display *dpy;
static Atom net_wm_name, net_wm_pid, utf8_string;
static int damage_event_base;
static double t0;
static int sigchld_pipe[2];

/* What --commands keeps after a key: damage reports and title changes. */
typedef struct
{
  double  at;
  int     x, y, width, height;
  char   *title;  /* a title change, not damage, when set */
} Kept;

static Kept kept[MAX_KEPT];
static int n_kept;
static int keeping;

static Tracked windows[MAX_WINDOWS];
static int n_windows;
static TitleChange titles[MAX_TITLES];
static int n_titles;

static double
now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6 - t0;
}

/* Windows go away under us (GTK's short-lived ones, InputOnly ones that
 * take no damage object): those errors are expected and mean nothing.
 */
static int
ignore_x_error (Display     *display,
                XErrorEvent *event)
{
  return 0;
}

static void
sigchld_cb (int signum)
{
  int saved = errno;

  if (write (sigchld_pipe[1], "", 1) < 0)
    {
    }
  errno = saved;
}

static Tracked *
find_window (Window xid)
{
  for (int i = 0; i < n_windows; i++)
    if (windows[i].xid == xid)
      return &windows[i];
  return NULL;
}

static char *
read_title (Window xid)
{
  Atom type;
  int format;
  unsigned long n_items, after;
  unsigned char *data = NULL;
  char *title = NULL;

  if (XGetWindowProperty (dpy, xid, net_wm_name, 0, 1024, False, utf8_string,
                          &type, &format, &n_items, &after, &data) == Success &&
      data != NULL && type == utf8_string && format == 8)
    title = strndup ((const char *) data, n_items);
  if (data != NULL)
    XFree (data);
  return title;
}

static long
read_pid (Window xid)
{
  Atom type;
  int format;
  unsigned long n_items, after;
  unsigned char *data = NULL;
  long pid = -1;

  if (XGetWindowProperty (dpy, xid, net_wm_pid, 0, 1, False, XA_CARDINAL,
                          &type, &format, &n_items, &after, &data) == Success &&
      data != NULL && type == XA_CARDINAL && format == 32 && n_items == 1)
    pid = (long) *(unsigned long *) data;
  if (data != NULL)
    XFree (data);
  return pid;
}

static Bool
later_title_change_cb (Display  *display,
                       XEvent   *event,
                       XPointer  arg)
{
  Window *xid = (Window *) arg;

  if (event->type == PropertyNotify && event->xproperty.window == *xid &&
      event->xproperty.atom == net_wm_name)
    *xid = None;
  return False;
}

/* The title after this PropertyNotify, or NULL when another change of it is
 * already queued: the value read is then that later one's, and this
 * change's own value is gone. The read is a round trip, so every change the
 * server made before it is in the queue by then.
 */
static char *
title_after_change (Window xid)
{
  char *title = read_title (xid);
  Window probe = xid;
  XEvent unused;

  XCheckIfEvent (dpy, &unused, later_title_change_cb, (XPointer) &probe);
  if (probe == None)
    {
      free (title);
      return strdup ("");
    }
  return title;
}

static void
note_title (double  at,
            const char *title)
{
  if (n_titles < MAX_TITLES)
    {
      titles[n_titles].at = at;
      titles[n_titles].title = strdup (title != NULL ? title : "");
      n_titles++;
    }
}

static void
print_json_string (const char *s)
{
  putchar ('"');
  for (; s != NULL && *s; s++)
    {
      if (*s == '"' || *s == '\\')
        printf ("\\%c", *s);
      else if ((unsigned char) *s < 0x20)
        printf ("\\u%04x", *s);
      else
        putchar (*s);
    }
  putchar ('"');
}

static void
print_ms (const char *name,
          double      value)
{
  if (value < 0)
    printf ("\"%s\": null, ", name);
  else
    printf ("\"%s\": %.3f, ", name, value);
}

static long
status_kb (pid_t       pid,
           const char *field)
{
  char path[64], line[256];
  size_t len = strlen (field);
  long value = -1;
  FILE *file;

  snprintf (path, sizeof path, "/proc/%d/status", (int) pid);
  if (!(file = fopen (path, "r")))
    return -1;
  while (fgets (line, sizeof line, file))
    if (strncmp (line, field, len) == 0 && line[len] == ':')
      {
        value = strtol (line + len + 1, NULL, 10);
        break;
      }
  fclose (file);
  return value;
}

/* For a breakdown of the peak: by the end, RSS is still at its peak. */
static void
copy_smaps (pid_t       pid,
            const char *to)
{
  char path[64], buf[65536];
  size_t n;
  FILE *in, *out;

  snprintf (path, sizeof path, "/proc/%d/smaps", (int) pid);
  if (!(in = fopen (path, "r")))
    return;
  if ((out = fopen (to, "w")))
    {
      while ((n = fread (buf, 1, sizeof buf, in)) > 0)
        fwrite (buf, 1, n, out);
      fclose (out);
    }
  fclose (in);
}

static void
keep (double      at,
      int         x,
      int         y,
      int         width,
      int         height,
      const char *title)
{
  if (!keeping || n_kept >= MAX_KEPT)
    return;
  kept[n_kept] = (Kept) { at, x, y, width, height, title != NULL ? strdup (title) : NULL };
  n_kept++;
}

static void
clear_kept (void)
{
  for (int i = 0; i < n_kept; i++)
    free (kept[i].title);
  n_kept = 0;
}

/* One key down and up with XTest, with Shift around it if the keysym is
 * on the key's shifted level. Not flushed.
 */
static int
fake_key (KeySym keysym)
{
  KeyCode keycode = XKeysymToKeycode (dpy, keysym);
  KeyCode shift = XKeysymToKeycode (dpy, XK_Shift_L);
  int shifted;

  if (keycode == 0)
    return 0;
  shifted = XkbKeycodeToKeysym (dpy, keycode, 0, 0) != keysym &&
            XkbKeycodeToKeysym (dpy, keycode, 0, 1) == keysym;
  if (shifted)
    XTestFakeKeyEvent (dpy, shift, True, CurrentTime);
  XTestFakeKeyEvent (dpy, keycode, True, CurrentTime);
  XTestFakeKeyEvent (dpy, keycode, False, CurrentTime);
  if (shifted)
    XTestFakeKeyEvent (dpy, shift, False, CurrentTime);
  return 1;
}

static void
print_kept (void)
{
  int first = 1;

  printf ("{\"event\": \"events\", \"damage\": [");
  for (int i = 0; i < n_kept; i++)
    if (kept[i].title == NULL)
      {
        printf ("%s[%.3f, %d, %d, %d, %d]", first ? "" : ", ", kept[i].at,
                kept[i].x, kept[i].y, kept[i].width, kept[i].height);
        first = 0;
      }
  printf ("], \"titles\": [");
  first = 1;
  for (int i = 0; i < n_kept; i++)
    if (kept[i].title != NULL)
      {
        printf ("%s[%.3f, ", first ? "" : ", ", kept[i].at);
        print_json_string (kept[i].title);
        printf ("]");
        first = 0;
      }
  printf ("]}\n");
}

/* One line of --commands; returns 0 for quit. Every command is answered
 * with one line, an error too.
 */
static int
run_command (char   *line,
             Window  toplevel)
{
  char *arg = strchr (line, ' ');

  if (arg != NULL)
    *arg++ = '\0';

  if (strcmp (line, "quit") == 0)
    return 0;

  if (strcmp (line, "focus") == 0)
    {
      XSetInputFocus (dpy, toplevel, RevertToPointerRoot, CurrentTime);
      XSync (dpy, False);
      printf ("{\"event\": \"focused\"}\n");
    }
  else if (strcmp (line, "type") == 0 && arg != NULL)
    {
      int ok = 1;

      /* Latin-1 characters are their own keysyms. */
      for (const unsigned char *c = (const unsigned char *) arg; *c && ok; c++)
        ok = fake_key (*c);
      XSync (dpy, False);
      printf (ok ? "{\"event\": \"typed\"}\n"
                 : "{\"event\": \"error\", \"error\": \"a character has no key\"}\n");
    }
  else if (strcmp (line, "key") == 0 && arg != NULL)
    {
      KeySym keysym = XStringToKeysym (arg);
      double sent, synced;

      clear_kept ();
      keeping = 1;
      sent = now_ms ();
      if (keysym == NoSymbol || !fake_key (keysym))
        {
          printf ("{\"event\": \"error\", \"error\": \"no such key\"}\n");
          fflush (stdout);
          return 1;
        }
      XSync (dpy, False);
      synced = now_ms ();
      printf ("{\"event\": \"key\", \"sent_ms\": %.3f, \"synced_ms\": %.3f}\n", sent, synced);
    }
  else if (strcmp (line, "events") == 0)
    {
      print_kept ();
    }
  else
    {
      printf ("{\"event\": \"error\", \"error\": ");
      print_json_string (line);
      printf ("}\n");
    }
  fflush (stdout);
  return 1;
}

static void
usage (void)
{
  fprintf (stderr, "Usage: bench-launch [--title TITLE] [--settle-ms MS] [--timeout-ms MS]\n"
                   "                    [--stop-pid PID --stop-ms MS] [--any-pid]\n"
                   "                    [--smaps FILE] [--commands] -- PROGRAM [ARG…]\n");
  exit (2);
}

int
main (int   argc,
      char *argv[])
{
  const char *want_title = NULL;
  double settle_ms = 250, timeout_ms = 30000, stop_ms = 0;
  pid_t stop_pid = 0, pid, target;
  int damage_error_base, argi;
  struct sigaction action = { 0 };
  struct rusage usage_info = { 0 };
  struct timespec ts;
  Window toplevel = None;
  int stopped = 0, child_exited = 0, status = 0, n_damage = 0, n_background_damage = 0;
  double first_window = -1, toplevel_created = -1, mapped = -1, exposed = -1;
  double first_frame = -1, title_at = -1, frame = -1, done_at = -1, continued_at = -1;
  int title_matches = 0;
  long hwm_kb = -1, rss_kb = -1;
  const char *error = NULL;
  int verbose = getenv ("BENCH_LAUNCH_VERBOSE") != NULL;
  int any_pid = 0;
  const char *smaps_path = NULL;
  double t0_realtime_us;
  int niceness = 0, reniced = 0;
  int commands = 0, interactive = 0, xtest_event, xtest_error, xtest_major, xtest_minor;
  char line[4096];
  size_t line_len = 0;

  for (argi = 1; argi < argc; argi++)
    {
      if (strcmp (argv[argi], "--") == 0)
        {
          argi++;
          break;
        }
      if (strcmp (argv[argi], "--any-pid") == 0)
        {
          any_pid = 1;
          continue;
        }
      if (strcmp (argv[argi], "--commands") == 0)
        {
          commands = 1;
          continue;
        }
      if (argi + 1 >= argc)
        usage ();
      if (strcmp (argv[argi], "--title") == 0)
        want_title = argv[++argi];
      else if (strcmp (argv[argi], "--settle-ms") == 0)
        settle_ms = atof (argv[++argi]);
      else if (strcmp (argv[argi], "--timeout-ms") == 0)
        timeout_ms = atof (argv[++argi]);
      else if (strcmp (argv[argi], "--stop-pid") == 0)
        stop_pid = atoi (argv[++argi]);
      else if (strcmp (argv[argi], "--smaps") == 0)
        smaps_path = argv[++argi];
      else if (strcmp (argv[argi], "--stop-ms") == 0)
        stop_ms = atof (argv[++argi]);
      else
        usage ();
    }
  if (argi >= argc || (commands && want_title == NULL))
    usage ();

  if (!(dpy = XOpenDisplay (NULL)))
    {
      fprintf (stderr, "bench-launch: cannot open the display\n");
      return 1;
    }
  if (!XDamageQueryExtension (dpy, &damage_event_base, &damage_error_base))
    {
      fprintf (stderr, "bench-launch: the X server has no DAMAGE extension\n");
      return 1;
    }
  if (commands && !XTestQueryExtension (dpy, &xtest_event, &xtest_error, &xtest_major, &xtest_minor))
    {
      fprintf (stderr, "bench-launch: the X server has no XTEST extension\n");
      return 1;
    }
  XSetErrorHandler (ignore_x_error);
  fcntl (ConnectionNumber (dpy), F_SETFD, FD_CLOEXEC);
  net_wm_name = XInternAtom (dpy, "_NET_WM_NAME", False);
  net_wm_pid = XInternAtom (dpy, "_NET_WM_PID", False);
  utf8_string = XInternAtom (dpy, "UTF8_STRING", False);
  XSelectInput (dpy, DefaultRootWindow (dpy), SubstructureNotifyMask);
  XSync (dpy, False);

  if (pipe (sigchld_pipe) < 0)
    return 1;
  fcntl (sigchld_pipe[0], F_SETFD, FD_CLOEXEC);
  fcntl (sigchld_pipe[1], F_SETFD, FD_CLOEXEC);
  fcntl (sigchld_pipe[1], F_SETFL, O_NONBLOCK);
  action.sa_handler = sigchld_cb;
  action.sa_flags = SA_NOCLDSTOP | SA_RESTART;
  sigaction (SIGCHLD, &action, NULL);

  if (stop_pid > 0 && stop_ms > 0)
    {
      if (kill (stop_pid, SIGSTOP) < 0)
        {
          perror ("bench-launch: SIGSTOP");
          return 1;
        }
      stopped = 1;
    }

  /* Times are taken as events are read: the launcher must not wait for a
   * CPU behind the program it watches (or anything else on a busy
   * machine). Where it may (root), it runs at a higher priority; the
   * program runs at the one it would have had.
   */
  errno = 0;
  niceness = getpriority (PRIO_PROCESS, 0);
  if (errno == 0 && setpriority (PRIO_PROCESS, 0, niceness - 10) == 0)
    reniced = 1;

  clock_gettime (CLOCK_REALTIME, &ts);
  t0_realtime_us = ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  t0 = ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
  pid = fork ();
  if (pid < 0)
    {
      perror ("bench-launch: fork");
      return 1;
    }
  target = pid;
  if (pid == 0)
    {
      /* Standard output is the launcher's JSON alone. */
      dup2 (STDERR_FILENO, STDOUT_FILENO);
      if (reniced)
        setpriority (PRIO_PROCESS, 0, niceness);
      execvp (argv[argi], argv + argi);
      perror ("bench-launch: exec");
      _exit (127);
    }

  while (done_at < 0 || now_ms () < done_at)
    {
      struct pollfd fds[3] = {
        { ConnectionNumber (dpy), POLLIN, 0 },
        { sigchld_pipe[0], POLLIN, 0 },
        { interactive ? STDIN_FILENO : -1, POLLIN, 0 },
      };
      double deadline = timeout_ms, wait;

      while (XPending (dpy))
        {
          XEvent event;
          double at;

          XNextEvent (dpy, &event);
          at = now_ms ();
          if (verbose && event.type < LASTEvent)
            fprintf (stderr, "bench-launch: %9.3f event %d window 0x%lx\n",
                     at, event.type, event.xany.window);

          if (event.type == CreateNotify && n_windows < MAX_WINDOWS)
            {
              Tracked *w = &windows[n_windows++];

              if (first_window < 0)
                first_window = at;
              w->xid = event.xcreatewindow.window;
              w->created = at;
              XSelectInput (dpy, w->xid, PropertyChangeMask | ExposureMask);
              w->damage = XDamageCreate (dpy, w->xid, XDamageReportRawRectangles);
              w->title = read_title (w->xid);
              /* A round trip: the server has done the above by its answer.
               * If the window is mapped by then, its Expose and perhaps its
               * first frame came before the launcher watched for them.
               */
              {
                XWindowAttributes attributes;

                w->late = XGetWindowAttributes (dpy, w->xid, &attributes) &&
                          attributes.map_state != IsUnmapped;
              }
            }
          else if (event.type == MapNotify && toplevel == None &&
                   event.xmap.event == DefaultRootWindow (dpy))
            {
              Tracked *w = find_window (event.xmap.window);

              if (w != NULL && (any_pid || read_pid (w->xid) == pid))
                {
                  if (any_pid && read_pid (w->xid) > 0)
                    target = read_pid (w->xid);
                  if (w->late)
                    {
                      error = "missed the map: the launcher was late to watch the window";
                      break;
                    }
                  toplevel = w->xid;
                  toplevel_created = w->created;
                  mapped = at;
                  note_title (at, w->title);
                  title_matches = want_title == NULL ||
                                  (w->title != NULL && strcmp (w->title, want_title) == 0);
                  if (title_matches && want_title != NULL)
                    title_at = at;
                }
            }
          else if (event.type == PropertyNotify && event.xproperty.atom == net_wm_name)
            {
              Tracked *w = find_window (event.xproperty.window);

              if (w != NULL)
                {
                  free (w->title);
                  w->title = title_after_change (w->xid);
                  if (w->xid == toplevel)
                    {
                      note_title (at, w->title);
                      keep (at, 0, 0, 0, 0, w->title);
                      if (want_title != NULL && title_at < 0 &&
                          strcmp (w->title, want_title) == 0)
                        {
                          title_matches = 1;
                          title_at = at;
                        }
                    }
                }
            }
          else if (event.type == Expose && event.xexpose.window == toplevel && exposed < 0)
            {
              exposed = at;
            }
          else if (event.type == damage_event_base + XDamageNotify)
            {
              XDamageNotifyEvent *damage = (XDamageNotifyEvent *) &event;

              if (verbose)
                fprintf (stderr, "bench-launch: %9.3f damage 0x%lx %dx%d+%d+%d area %dx%d more %d\n",
                         at, damage->drawable, damage->area.width, damage->area.height,
                         damage->area.x, damage->area.y, damage->geometry.width,
                         damage->geometry.height, damage->more);
              if (damage->drawable == toplevel && toplevel != None)
                {
                  n_damage++;
                  keep (at, damage->area.x, damage->area.y, damage->area.width, damage->area.height, NULL);
                  /* Before the Expose, it is the server's background. */
                  if (exposed < 0)
                    n_background_damage++;
                  else if (first_frame < 0)
                    first_frame = at;
                  if (exposed >= 0 && title_matches && frame < 0)
                    {
                      frame = at;
                      if (commands)
                        {
                          interactive = 1;
                          printf ("{\"event\": \"ready\", \"pid\": %d, \"t0_monotonic_ms\": %.3f, "
                                  "\"t0_realtime_us\": %.0f, \"mapped_ms\": %.3f, \"title_ms\": %.3f, "
                                  "\"frame_ms\": %.3f}\n",
                                  (int) target, t0, t0_realtime_us, mapped, title_at, frame);
                          fflush (stdout);
                        }
                      else
                        done_at = at + settle_ms;
                    }
                }
            }
        }

      if (error != NULL)
        break;
      if (stopped && now_ms () >= stop_ms)
        {
          kill (stop_pid, SIGCONT);
          stopped = 0;
          continued_at = now_ms ();
        }
      if (child_exited)
        {
          error = frame < 0 ? "the program exited before its frame"
                            : "the program exited before its peak RSS was read";
          break;
        }
      if (frame < 0 && now_ms () >= timeout_ms)
        {
          error = "timed out before the frame";
          break;
        }

      if (done_at >= 0)
        deadline = done_at;
      else if (interactive)
        deadline = 1e300;
      if (stopped && stop_ms < deadline)
        deadline = stop_ms;
      wait = deadline - now_ms ();
      if (poll (fds, 3, deadline >= 1e300 ? -1 : wait < 0 ? 0 : (int) wait + 1) < 0 && errno != EINTR)
        {
          error = "poll failed";
          break;
        }
      if (fds[1].revents & POLLIN)
        {
          char buf[16];

          if (read (sigchld_pipe[0], buf, sizeof buf) < 0)
            {
            }
          if (waitpid (pid, &status, WNOHANG) == pid)
            child_exited = 1;
        }
      if (interactive && (fds[2].revents & (POLLIN | POLLHUP)))
        {
          ssize_t n = read (STDIN_FILENO, line + line_len, sizeof line - 1 - line_len);
          char *end;

          if (n <= 0)
            done_at = now_ms ();
          else
            line_len += n;
          while (done_at < 0 && (end = memchr (line, '\n', line_len)) != NULL)
            {
              size_t used = end - line + 1;

              *end = '\0';
              if (!run_command (line, toplevel))
                done_at = now_ms ();
              memmove (line, line + used, line_len - used);
              line_len -= used;
            }
          if (line_len == sizeof line - 1)
            line_len = 0;
        }
    }

  if (!child_exited)
    {
      /* A wrapper (perf, strace) ends by itself once its program is gone,
       * and writes out what it gathered.
       */
      hwm_kb = status_kb (target, "VmHWM");
      rss_kb = status_kb (target, "VmRSS");
      if (smaps_path != NULL)
        copy_smaps (target, smaps_path);
      kill (target, SIGKILL);
      wait4 (pid, &status, 0, &usage_info);
    }
  if (stopped)
    {
      kill (stop_pid, SIGCONT);
      continued_at = now_ms ();
    }

  printf ("{\"ok\": %s, ", error == NULL ? "true" : "false");
  if (error != NULL)
    {
      printf ("\"error\": ");
      print_json_string (error);
      printf (", ");
    }
  printf ("\"pid\": %d, \"t0_realtime_us\": %.0f, \"t0_monotonic_ms\": %.3f, ",
          (int) pid, t0_realtime_us, t0);
  print_ms ("first_window_ms", first_window);
  print_ms ("toplevel_created_ms", toplevel_created);
  print_ms ("mapped_ms", mapped);
  print_ms ("exposed_ms", exposed);
  print_ms ("first_frame_ms", first_frame);
  print_ms ("title_ms", title_at);
  print_ms ("frame_ms", frame);
  print_ms ("keyring_continued_ms", continued_at);
  printf ("\"damage_events\": %d, \"background_damage_events\": %d, ", n_damage, n_background_damage);
  printf ("\"hwm_kb\": %ld, \"rss_kb\": %ld, \"maxrss_kb\": %ld, ",
          hwm_kb, rss_kb, child_exited ? -1L : usage_info.ru_maxrss);
  printf ("\"titles\": [");
  for (int i = 0; i < n_titles; i++)
    {
      printf ("%s[%.3f, ", i ? ", " : "", titles[i].at);
      print_json_string (titles[i].title);
      printf ("]");
    }
  printf ("]}\n");

  XCloseDisplay (dpy);
  return error == NULL ? 0 : 1;
}
