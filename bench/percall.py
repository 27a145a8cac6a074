# SPDX-License-Identifier: GPL-3.0-or-later
#
# The per-call part of build-aux/bench (issue 14): the client's own time
# for a login and for a renewal on 401, beyond the server's, from X events
# and the app's own journal. build-aux/bench imports it; it is not a
# program of its own.
#
# Each round starts Authflow on Log In under bench/bench-launch --commands,
# with --trace, against the real reference server and keyring, and then,
# LOGINS times:
#
#   log in    the launcher types the demo user's name and password with
#             XTest, then presses Enter in the password field: the timed
#             event. Login's figure is that event → the first damage after
#             the window title became "Home" (Home's first frame).
#   renewal   on Home, the access token is made invalid with the app's
#             inject-fault action ("invalidate-token", over D-Bus, untimed),
#             then the launcher presses Space on "Call API", which has the
#             focus on Home: the timed event. GET /auth/me is refused (401),
#             the client renews the tokens (POST /auth/refresh) and sends
#             the call again; the figure is that event → the first damage
#             after the journal recorded the retry's answer: the frame that
#             shows the answer. No title changes here, so the frame is
#             found by time: the journal's "monotonic" is CLOCK_MONOTONIC,
#             the launcher's clock.
#   log out   the app's log-out action over D-Bus (untimed).
#
# The server's time is what the journal records for each exchange
# (durationMs: the request handed to libsoup → the whole answer read, on a
# loopback connection); the client's overhead is the figure minus that.
# The journal's timestamps break the overhead down: event → request sent,
# between the exchanges, answer → signed in → Home shown (navigation) →
# title → frame. Nothing polls the app in the timed interval: the script
# sleeps, then asks the launcher what it saw and reads the trace.

import json
import os
import statistics
import subprocess
import time

APP_ID = 'io.github.authflow.Authflow'
USERNAME, PASSWORD = 'emilys', 'emilyspass'

# How long each step is given to finish before its figures are read: the
# login's 200 ms crossfade and keyring save, the renewal's toast.
SETTLE_S = 0.8


class Failed(Exception):
    pass


def activate(action, parameter=None):
    path = '/' + APP_ID.replace('.', '/')
    params = f'[<{parameter}>]' if parameter is not None else '[]'
    subprocess.run(['gdbus', 'call', '--session', '--dest', APP_ID, '--object-path', path,
                    '--method', 'org.gtk.Actions.Activate', action, params, '{}'],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Launch:
    """One start of Authflow under bench-launch --commands."""

    def __init__(self, argv, log_file):
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=log_file, text=True)
        self.ready = self.read()
        if self.ready.get('event') != 'ready':
            raise Failed(f'the start did not reach Log In: {self.ready}')
        self.t0 = self.ready['t0_monotonic_ms']

    def read(self):
        line = self.process.stdout.readline()
        if not line:
            raise Failed('bench-launch ended early')
        return json.loads(line)

    def command(self, text):
        self.process.stdin.write(text + '\n')
        self.process.stdin.flush()
        answer = self.read()
        if answer.get('event') == 'error':
            raise Failed(f'bench-launch: {text}: {answer.get("error")}')
        return answer

    def close(self):
        try:
            self.process.stdin.write('quit\n')
            self.process.stdin.close()
        except BrokenPipeError:
            pass
        self.process.stdout.read()
        self.process.wait()


class Trace:
    """The app's --trace, read as far as it is written."""

    def __init__(self, path):
        self.path = path
        self.entries = []
        self.offset = 0

    def update(self):
        if not os.path.exists(self.path):
            return
        with open(self.path) as f:
            f.seek(self.offset)
            data = f.read()
        end = data.rfind('\n') + 1
        self.offset += len(data[:end].encode())
        self.entries += [json.loads(line) for line in data[:end].splitlines() if line]

    def since(self, at_ms, t0):
        return [e for e in self.entries if e['monotonic'] / 1000 - t0 >= at_ms]


def at(entry, t0):
    """An entry's time on the launcher's clock (ms from its zero)."""
    return entry['monotonic'] / 1000 - t0


def is_(kind, event, **details):
    def predicate(entry):
        return (entry['kind'] == kind and entry['event'] == event and
                all(entry['details'].get(k) == v for k, v in details.items()))
    return predicate


def first(entries, predicate, what):
    for entry in entries:
        if predicate(entry):
            return entry
    raise Failed(f'not in the trace: {what}')


def exchange_span(entry, t0):
    """(request sent, answer read) of an exchange, on the launcher's clock:
    the entry is made when the exchange ends."""
    end = at(entry, t0)
    return end - entry['durationMs'], end


def now(launch):
    """Now on the launcher's clock: Python's monotonic clock is
    CLOCK_MONOTONIC too."""
    return time.monotonic() * 1000 - launch.t0


def wait_for(trace, launch, since_ms, predicate, what, timeout_s=10):
    deadline = time.monotonic() + timeout_s
    while True:
        trace.update()
        for entry in trace.since(since_ms, launch.t0):
            if predicate(entry):
                return entry
        if time.monotonic() > deadline:
            raise Failed(f'timed out waiting for {what}')
        time.sleep(0.1)


FRAME_INTERVAL_MS = 1000 / 60


def slot_wait(damage, answered):
    """How long the answer waited for the frame clock's next slot, as far as
    X shows it: GDK paces frames to 60 Hz from the last one, so after a frame
    painted at T the next cannot start before T + 16.7 ms. An estimate from
    the last damage before the answer (0 when none was that recent)."""
    before = [d[0] for d in damage if d[0] <= answered]
    if not before:
        return 0.0
    return max(0.0, before[-1] + FRAME_INTERVAL_MS - answered)


def settled(damage, frame, gap_ms=50):
    """The last frame of the run of frames that starts at @frame: Home's
    200 ms crossfade from Log In (GtkStack's transition), after which Home
    is drawn whole."""
    last = frame
    for d in damage:
        if d[0] > last + gap_ms:
            break
        if d[0] >= last:
            last = d[0]
    return last


def events_until(launch, predicate, what, timeout_s=10):
    """What the launcher kept since the key, once it has what @predicate
    wants: on a loaded machine the frame may come after the trace's last
    entry of the step. This asks the launcher, never the app."""
    deadline = time.monotonic() + timeout_s
    while True:
        events = launch.command('events')
        if predicate(events):
            return events
        if time.monotonic() > deadline:
            raise Failed(f'timed out waiting for {what}')
        time.sleep(0.1)


def log_in(launch, trace, first_of_start):
    launch.command(f'type {USERNAME}')
    launch.command('key Return')  # to the password field
    launch.command(f'type {PASSWORD}')
    time.sleep(0.3)
    key = launch.command('key Return')['sent_ms']
    time.sleep(SETTLE_S)
    wait_for(trace, launch, key, is_('keyring', 'save'), 'the login’s keyring save')

    def home_drawn(events):
        titles = [t for t, title in events['titles'] if title == 'Home']
        return titles and any(d[0] >= titles[0] for d in events['damage'])

    events = events_until(launch, home_drawn, 'Home’s first frame')
    entries = trace.since(key, launch.t0)
    t0 = launch.t0
    title = [t for t, title in events['titles'] if title == 'Home'][0]
    frame = [d[0] for d in events['damage'] if d[0] >= title][0]

    login = first(entries, is_('http', 'exchange', call='login'), 'the login exchange')
    if (login['details'].get('response') or {}).get('status') != 200:
        raise Failed(f'the login failed: {login["summary"]}')
    sent, answered = exchange_span(login, t0)
    signed_in = at(first(entries, is_('session', 'state', to='signed-in'), 'signed in'), t0)
    shown = at(first(entries, is_('navigation', 'page', page='home'), 'Home shown'), t0)
    saved = first(entries, is_('keyring', 'save'), 'the keyring save')
    server = login['durationMs']
    return {
        'what': 'login', 'first_of_start': first_of_start,
        'total_ms': frame - key, 'server_ms': server, 'overhead_ms': frame - key - server,
        'to_request_ms': sent - key,
        'to_signed_in_ms': signed_in - answered,
        'to_home_shown_ms': shown - signed_in,
        'to_title_ms': title - shown,
        'to_frame_ms': frame - title,
        'slot_wait_ms': slot_wait(events['damage'], shown),
        'settled_ms': settled(events['damage'], frame) - key,
        'keyring_saved_after_frame_ms': at(saved, t0) - frame,
        'keyring_ms': saved['durationMs'],
        'connect_ms': login['details']['timings'].get('connectMs'),
        'at': {'t0_monotonic_ms': t0, 'key': key, 'answered': answered, 'title': title,
               'frame': frame},
    }


def renew(launch, trace):
    activate('inject-fault', "'invalidate-token'")
    time.sleep(0.3)
    key = launch.command('key space')['sent_ms']
    time.sleep(SETTLE_S)
    retry = wait_for(trace, launch, key,
                     lambda e: is_('http', 'exchange', call='me', retry=True)(e),
                     'the retried call')
    t0 = launch.t0
    entries = trace.since(key, t0)

    refused = first(entries, is_('http', 'exchange', call='me', retry=False), 'the refused call')
    refresh = first(entries, is_('http', 'exchange', call='refresh'), 'the refresh')
    if (refused['details'].get('response') or {}).get('status') != 401:
        raise Failed(f'the call was not refused: {refused["summary"]}')
    if (retry['details'].get('response') or {}).get('status') != 200:
        raise Failed(f'the retried call failed: {retry["summary"]}')
    answer = wait_for(trace, launch, key,
                      lambda e: is_('mapping', 'answer', call='me')(e) and e['seq'] > retry['seq'],
                      'the answer read into the user')
    # The frame that shows the answer: the first painted after the client
    # had read it.
    handled = at(answer, t0)
    events = events_until(launch, lambda events: any(d[0] >= handled for d in events['damage']),
                          'the frame after the answer')
    frame = [d[0] for d in events['damage'] if d[0] >= handled][0]

    spans = [exchange_span(e, t0) for e in (refused, refresh, retry)]
    server = sum(e['durationMs'] for e in (refused, refresh, retry))
    saves = [e for e in entries if is_('keyring', 'save')(e)]
    return {
        'what': 'renewal',
        'total_ms': frame - key, 'server_ms': server, 'overhead_ms': frame - key - server,
        'to_request_ms': spans[0][0] - key,
        'to_refresh_ms': spans[1][0] - spans[0][1],
        'to_retry_ms': spans[2][0] - spans[1][1],
        'to_frame_ms': frame - spans[2][1],
        'slot_wait_ms': slot_wait(events['damage'], handled),
        'keyring_saves': len(saves),
        'keyring_saves_before_frame': sum(1 for e in saves if at(e, t0) < frame),
        'at': {'t0_monotonic_ms': t0, 'key': key, 'answered': spans[2][1], 'frame': frame},
    }


def log_out(launch, trace):
    mark = now(launch)
    activate('log-out')
    wait_for(trace, launch, mark, is_('navigation', 'page', page='log-in'), 'Log In after logging out')
    wait_for(trace, launch, mark, is_('keyring', 'remove'), 'the keyring removal')
    time.sleep(0.3)


def run(args, url, tmpdir, log_file, log):
    """The rounds; returns the samples."""
    samples = []
    logins = 2 if args.quick else 3
    rounds = 1 if args.quick else max(1, args.n // 2)
    for i in range(rounds):
        log(f'bench: per call, round {i + 1} of {rounds} ({logins} logins and renewals)…')
        trace_path = os.path.join(tmpdir, f'calls-{i + 1}.jsonl')
        launch = Launch([os.path.join(args.build, 'bench/bench-launch'), '--title', 'Log In',
                         '--commands', '--', os.path.join(args.build, 'src/authflow'),
                         '--server', url, '--trace', trace_path], log_file)
        trace = Trace(trace_path)
        try:
            launch.command('focus')
            time.sleep(0.3)
            for j in range(logins):
                sample = log_in(launch, trace, first_of_start=j == 0)
                sample['round'] = i + 1
                samples.append(sample)
                sample = renew(launch, trace)
                sample['round'] = i + 1
                samples.append(sample)
                log_out(launch, trace)
        finally:
            launch.close()
        time.sleep(args.pause_ms / 1000)
    return samples


def spread(values):
    ms = lambda v: f'{v:.0f}' if abs(v) >= 100 else f'{v:.1f}'
    return f'{ms(statistics.median(values))} ({ms(min(values))}–{ms(max(values))})'


def report(args, samples):
    groups = (
        ('first login of a start', [s for s in samples if s['what'] == 'login' and s['first_of_start']]),
        ('later logins', [s for s in samples if s['what'] == 'login' and not s['first_of_start']]),
        ('renewal on 401', [s for s in samples if s['what'] == 'renewal']),
    )
    print()
    print('Per call: the key press (XTest) → the frame that shows the result, and the client’s '
          'overhead: that minus the server’s time (the exchanges’ durations in the journal). '
          'Milliseconds, median (min–max).')
    print()
    columns = ('event → frame', 'server', 'overhead')
    if args.markdown:
        print('| Call | n | Event → frame, ms | Server, ms | Overhead, ms |')
        print('|---|---|---|---|---|')
    else:
        header = f'{"call":<24} {"n":>3}' + ''.join(f' {c:>22}' for c in columns)
        print(header)
        print('-' * len(header))
    for label, rows in groups:
        if not rows:
            continue
        cells = [spread([s[k] for s in rows]) for k in ('total_ms', 'server_ms', 'overhead_ms')]
        if args.markdown:
            print(f'| {label} | {len(rows)} | ' + ' | '.join(cells) + ' |')
        else:
            print(f'{label:<24} {len(rows):>3}' + ''.join(f' {c:>22}' for c in cells))
    print()
    print('Where the overhead goes (from the journal and the X events), median (min–max) ms:')
    parts = {
        'login': (('to_request_ms', 'Enter → login request sent'),
                  ('to_signed_in_ms', 'answer read → signed in'),
                  ('to_home_shown_ms', 'signed in → Home shown'),
                  ('to_title_ms', 'Home shown → title "Home"'),
                  ('to_frame_ms', 'title → Home’s first frame'),
                  ('slot_wait_ms', '  of which the frame clock’s slot*'),
                  ('keyring_saved_after_frame_ms', 'keyring saved, after the frame')),
        'renewal': (('to_request_ms', 'Space → call sent'),
                    ('to_refresh_ms', '401 read → refresh sent'),
                    ('to_retry_ms', 'refresh read → call sent again'),
                    ('to_frame_ms', 'answer read → its frame'),
                    ('slot_wait_ms', '  of which the frame clock’s slot*')),
    }
    for label, rows in groups:
        if not rows:
            continue
        print(f'  {label}:')
        for key, name in parts[rows[0]['what']]:
            print(f'    {name:<34} {spread([s[key] for s in rows]):>22}')
    logins = [s for s in samples if s['what'] == 'login']
    if logins:
        print(f'  Enter → Home drawn whole (its crossfade from Log In done): '
              f'{spread([s["settled_ms"] for s in logins])} ms')
    print('  * an estimate: the answer (Home shown, for a login) waits at least until 16.7 ms '
          'after the frame before it (GDK paces frames to 60 Hz; the spinner of the button '
          'that was pressed animates while the call runs).')
    renewals = groups[2][1]
    if renewals:
        saves = sorted({s['keyring_saves_before_frame'] for s in renewals})
        print(f'  keyring saves of a renewal before its frame: {", ".join(map(str, saves))} '
              f'(of {", ".join(map(str, sorted({s["keyring_saves"] for s in renewals})))})')
