#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Fault injection from the Flow Inspector, as a developer uses it: the real
# `authflow` binary against the real reference server (with its development
# endpoints) and keyring. For each fault the test presses its control in
# the inspector's Faults page by accessible name, does what a person would
# in the main window, and checks what the person sees there and what the
# journal says (read from --trace, the same journal the timeline draws).

import json
import os
import subprocess
import tempfile
import time

import pyatspi

import atspi_util as t

APP_ID = os.environ['AUTHFLOW_APP_ID']


class Trace:
    def __init__(self, path):
        self.path = path

    def entries(self):
        try:
            with open(self.path, encoding='utf-8') as f:
                return [json.loads(line) for line in f if line.endswith('\n')]
        except FileNotFoundError:
            return []

    def mark(self):
        entries = self.entries()
        return entries[-1]['seq'] if entries else 0

    def wait(self, what, predicate, after, timeout=t.TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for entry in self.entries():
                if entry['seq'] > after and predicate(entry):
                    return entry
            time.sleep(0.05)
        for entry in [e for e in self.entries() if e['seq'] > after][-40:]:
            print(f'# {entry["seq"]} {entry["kind"]}/{entry["event"]}: {entry["summary"]}')
        t.fail(f'timed out waiting for {what}')

    def since(self, after):
        return [e for e in self.entries() if e['seq'] > after]


def is_(kind, event, **details):
    def predicate(entry):
        return (entry['kind'] == kind and entry['event'] == event and
                all(entry['details'].get(k) == v for k, v in details.items()))
    return predicate


def exchange(call, status=None):
    def predicate(entry):
        return (entry['kind'] == 'http' and entry['event'] == 'exchange' and
                entry['details'].get('call') == call and
                (status is None or (entry['details'].get('response') or {}).get('status') == status))
    return predicate


def activate(action, parameter=None):
    path = '/' + APP_ID.replace('.', '/')
    params = f'[<{parameter}>]' if parameter is not None else '[]'
    subprocess.run(['gdbus', 'call', '--session', '--dest', APP_ID, '--object-path', path,
                    '--method', 'org.gtk.Actions.Activate', action, params, '{}'],
                   check=True, capture_output=True)


def label_starting(root, prefix):
    return pyatspi.findDescendant(root, lambda n: n.getRoleName() == 'label' and n.name.startswith(prefix))


def label_containing(root, text):
    """A label, or an alert (a label with that role), that says @text."""
    return pyatspi.findDescendant(root, lambda n: n.getRoleName() in ('label', 'alert') and text in n.name)


def in_timeline(inspector, entry):
    """The entry's row in the Timeline, which follows the newest entries."""
    return t.wait_for(f'“{entry["summary"]}” in the timeline', lambda: pyatspi.findDescendant(
        inspector, lambda n: n.getRoleName() == 'label' and n.name == entry['summary']))


def press_any(root, name):
    """A button, a toggle button, a switch (a check box to AT-SPI) or a switcher's tab by its accessible name."""
    node = t.wait_for(f'“{name}”', lambda: pyatspi.findDescendant(
        root, lambda n: n.getRoleName() in ('push button', 'toggle button', 'check box', 'page tab') and n.name == name))
    action = node.queryAction()
    for i in range(action.nActions):
        if action.getName(i) in ('click', 'activate', 'press', 'toggle'):
            action.doAction(i)
            return
    t.fail(f'“{name}” has no action')


def main():
    with tempfile.TemporaryDirectory() as tmp:
        server = subprocess.Popen([os.environ['AUTHFLOW_SERVER_BIN'], '--port', '0', '--dev-endpoints',
                                   '--db', os.path.join(tmp, 'authflow.db')],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = server.stdout.readline()
        if not line.startswith('Listening on '):
            t.fail(f'the server did not start: {line!r}')
        url = line.split()[2]
        trace = Trace(os.path.join(tmp, 'trace.jsonl'))
        env = dict(os.environ)
        env.pop('NO_AT_BRIDGE', None)
        env.pop('GTK_A11Y', None)
        app_process = subprocess.Popen([os.environ['AUTHFLOW_BIN'], '--server', url, '--trace', trace.path],
                                       env=env)
        try:
            run(app_process, trace)
        finally:
            t.stop(app_process)
            t.stop(server)
    t.finish()


def run(app_process, trace):
    app = t.wait_for('the app', lambda: t.find_app('authflow', app_process.pid))
    window = t.wait_for('Log In', lambda: t.find(app, 'frame', 'Log In'))
    page = t.find(app, 'panel', 'Log In')
    t.type_into(page, 'Username', 'emilys')
    t.type_into(page, 'Password', 'emilyspass')
    t.press(page, 'Log In')
    t.wait_for('Home', lambda: window.name == 'Home')
    home = t.find(app, 'panel', 'Home')

    activate('inspector')
    inspector = t.wait_for('the Flow Inspector', lambda: t.find(app, 'frame', 'Flow Inspector'))
    press_any(inspector, 'Faults')
    t.ok('logged in; the Flow Inspector is open on its Faults page')

    def call_and_see_answer():
        # Pressed, the row says "Calling GET /auth/me…" at once, in place
        # of the last answer: a "200 OK at …" after that is the new one
        # (its time says only the second, so it cannot tell two apart).
        mark = trace.mark()
        t.press(home, 'Call Protected API')
        trace.wait('the call answered', exchange('me', 200), after=mark)
        t.wait_for('the answer on Home', lambda: label_starting(home, '200 OK at '))

    # Invalidate: a real 401 from the server, one refresh, the retry.
    mark = trace.mark()
    press_any(inspector, 'Invalidate Access Token')
    trace.wait('the fault said', lambda e: e['kind'] == 'fault', after=mark)
    call_and_see_answer()
    refused = trace.wait('the real 401', exchange('me', 401), after=mark)
    # The fault touched the request (its token), not the answer: the 401 is
    # the server's own.
    if refused['details']['response'].get('injected'):
        t.fail('the real 401 is marked as an injected answer')
    if refused['details'].get('faults') != ['invalidate-token']:
        t.fail(f'the altered request does not say which fault altered it: {refused["details"].get("faults")}')
    trace.wait('one refresh for it', is_('token', 'refresh-started', trigger='401'), after=mark)
    trace.wait('the retry answered', lambda e: exchange('me', 200)(e) and e['details'].get('retry'), after=mark)
    if window.name != 'Home':
        t.fail(f'the window shows {window.name!r}')
    in_timeline(inspector, trace.wait('the fault', is_('fault', 'injected', fault='invalidate-token'), after=mark))
    t.ok('invalidate the access token: the server’s real 401, one refresh, the retry answered, still on Home, '
         'the fault in the timeline')

    # Expire: renewed before the call is sent.
    mark = trace.mark()
    press_any(inspector, 'Expire Access Token Now')
    in_timeline(inspector, trace.wait('the fault', is_('fault', 'injected', fault='expire-token'), after=mark))
    call_and_see_answer()
    trace.wait('a refresh before the call', is_('token', 'refresh-started', trigger='expired'), after=mark)
    if [e for e in trace.since(mark) if exchange('me', 401)(e)]:
        t.fail('the expired token was sent anyway')
    t.ok('expire the access token: renewed before the call was sent, no 401')

    # Slow network: the call is on its way for the added time, and says so.
    mark = trace.mark()
    latency = t.wait_for('the latency', lambda: t.find(inspector, 'spin button', 'Added Latency in Milliseconds'))
    latency.queryValue().currentValue = 1500
    in_timeline(inspector, trace.wait('the fault', is_('fault', 'injected', fault='latency'), after=mark))
    t.press(home, 'Call Protected API')
    t.wait_for('the call on its way on Home', lambda: label_starting(home, 'Calling GET /auth/me'))
    held = trace.wait('the call held', is_('fault', 'applied', fault='latency', latencyMs=1500), after=mark)
    slow = trace.wait('the slow answer', exchange('me', 200), after=mark)
    held_ms = (slow['monotonic'] - held['monotonic']) / 1000
    if 'latency' not in (slow['details'].get('faults') or []) or held_ms < 1500:
        t.fail(f'the slow call: sent {held_ms} ms after it was held, faults {slow["details"].get("faults")}')
    t.wait_for('the answer on Home', lambda: label_starting(home, '200 OK at '))
    latency.queryValue().currentValue = 0
    trace.wait('no more latency', is_('fault', 'cleared', fault='latency'), after=mark)
    t.ok(f'slow network: “Calling GET /auth/me…” on Home, the call held {held_ms:.0f} ms, the exchange marked')

    # Clock skew, an hour ahead: the token looks dead, is renewed, and the
    # renewal's Date puts the flow back on the server's time.
    mark = trace.mark()
    activate('inject-fault', "'clock-skew:3600'")
    in_timeline(inspector, trace.wait('the fault', is_('fault', 'injected', fault='clock-skew'), after=mark))
    trace.wait('a renewal for the skewed clock', is_('token', 'refresh-started', trigger='expired'), after=mark)
    expiry = trace.wait('the expiry on the server’s time', lambda e: is_('token', 'expiry')(e) and
                        abs(e['details'].get('clockOffsetMs', 0) + 3600_000) < 5000, after=mark)
    call_and_see_answer()
    if [e for e in trace.since(expiry['seq']) if e['kind'] == 'token' and e['event'] == 'refresh-started']:
        t.fail('renewed again once the clock was corrected')
    activate('inject-fault', "'clock-skew:0'")
    trace.wait('the clock back', is_('fault', 'cleared', fault='clock-skew'), after=mark)
    if window.name != 'Home':
        t.fail(f'the skew sent the window to {window.name!r}')
    t.ok(f'clock skew +1 h: one renewal, the clock offset {expiry["details"]["clockOffsetMs"]} ms from the '
         'server’s Date, then calls with no renewal, still on Home')

    # Offline: the notice in the main window, and back.
    mark = trace.mark()
    press_any(inspector, 'Offline')
    t.press(home, 'Call Protected API')
    t.wait_for('the offline notice', lambda: label_containing(app, 'Could not connect'))
    offline = trace.wait('offline', is_('connectivity', 'offline'), after=mark)
    failed = [e for e in trace.since(mark) if e['kind'] == 'http' and e['details'].get('error')]
    if not failed or not failed[0]['details'].get('injected') or 'response' in failed[0]['details']:
        t.fail(f'the failed exchange is not marked as injected: {failed[:1]}')
    press_any(inspector, 'Offline')
    trace.wait('back online', is_('connectivity', 'online'), after=offline['seq'], timeout=90)
    # GTK 4.8 says no widget is showing: a notice gone is one no longer there.
    t.wait_for('the notice gone', lambda: label_containing(app, 'Could not connect') is None)
    if window.name != 'Home':
        t.fail(f'offline sent the window to {window.name!r}')
    t.ok(f'offline: the notice on Home, the injected failure, backoff {offline["details"]["backoffS"]} s; '
         'back online, the notice gone, still on Home')

    # Server errors: made up by the app, never sent.
    mark = trace.mark()
    press_any(inspector, 'Inject Server Errors')
    t.press(home, 'Call Protected API')
    made_up = trace.wait('an injected 500', exchange('me', 500), after=mark)
    if not made_up['details'].get('injected'):
        t.fail('the made-up 500 is not marked as injected')
    t.wait_for('the server’s problem on Home', lambda: label_containing(app, 'The server had a problem'))
    trace.wait('back online after them', is_('connectivity', 'online'), after=made_up['seq'], timeout=120)
    t.wait_for('the notice gone', lambda: label_containing(app, 'The server had a problem') is None)
    t.ok('server errors: the 500s are marked as injected, the notice says so, and the app recovers by itself')

    # A 503 with Retry-After: the app waits as long as it says.
    mark = trace.mark()
    activate('inject-fault', "'server-error:503:1'")
    t.press(home, 'Call Protected API')
    made_up = trace.wait('an injected 503', exchange('me', 503), after=mark)
    headers = {h['name'].lower(): h['value'] for h in made_up['details']['response']['headers']}
    offline = trace.wait('offline for it', is_('connectivity', 'offline'), after=mark)
    if not made_up['details']['response'].get('injected') or offline['details']['backoffS'] != int(headers['retry-after']):
        t.fail(f'the 503: Retry-After {headers.get("retry-after")}, backoff {offline["details"]["backoffS"]} s')
    trace.wait('back online after it', is_('connectivity', 'online'), after=made_up['seq'], timeout=60)
    t.ok(f'a 503 with Retry-After: {headers["retry-after"]}, the app waited {offline["details"]["backoffS"]} s')

    # Simulate suspend: the wall clock jumps past expiry; the resume renews.
    mark = trace.mark()
    press_any(inspector, 'Simulate Suspend')
    trace.wait('a renewal on resume', is_('token', 'refresh-started', trigger='resume'), after=mark)
    trace.wait('renewed', is_('token', 'refresh-finished', outcome='renewed'), after=mark)
    t.ok('simulated suspend: the wall clock past expiry, the resume renews the tokens')

    # The keyring fails the next call: the notice, and Try Again.
    mark = trace.mark()
    press_any(inspector, 'Keyring Unavailable')
    press_any(inspector, 'Simulate Suspend')
    trace.wait('the save failed', lambda e: is_('keyring', 'save')(e) and e['details'].get('injected'), after=mark)
    t.wait_for('the keyring notice', lambda: label_containing(app, 'will not be remembered'))
    t.press(t.find(app, 'frame', 'Home'), 'Try Again')
    trace.wait('saved on Try Again', is_('keyring', 'save', outcome='ok'), after=mark)
    t.wait_for('the notice gone', lambda: label_containing(app, 'will not be remembered') is None)
    t.ok('keyring unavailable: the save fails, the notice says the session will not be remembered; '
         'Try Again saves it')

    # The keyring locked for the next call: the same notice, and Try Again.
    mark = trace.mark()
    press_any(inspector, 'Keyring Locked')
    press_any(inspector, 'Simulate Suspend')
    trace.wait('the save failed', lambda e: is_('keyring', 'save')(e) and e['details'].get('injected'), after=mark)
    t.wait_for('the keyring notice', lambda: label_containing(app, 'will not be remembered'))
    t.press(t.find(app, 'frame', 'Home'), 'Try Again')
    trace.wait('saved on Try Again', is_('keyring', 'save', outcome='ok'), after=mark)
    t.wait_for('the notice gone', lambda: label_containing(app, 'will not be remembered') is None)
    t.ok('keyring locked: the save fails, the notice, Try Again saves it')

    # Revoke the session on the server: the next renewal is refused.
    mark = trace.mark()
    press_any(inspector, 'Revoke the Session on the Server')
    trace.wait('the fault said', lambda e: e['kind'] == 'fault', after=mark)
    press_any(inspector, 'Simulate Suspend')
    trace.wait('the renewal refused', is_('token', 'refresh-finished', outcome='refused'), after=mark)
    t.wait_for('Log In', lambda: window.name == 'Log In')
    t.wait_for('the reason', lambda: label_containing(app, 'Your session has expired'))
    t.ok('revoke the session on the server: the renewal is refused for real, back on Log In with the reason')

    press_any(inspector, 'Clear All Faults')
    trace.wait('cleared', lambda e: e['kind'] == 'fault' and e['event'] == 'cleared', after=mark)
    t.ok('every fault cleared')


if __name__ == '__main__':
    main()
