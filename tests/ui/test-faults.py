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
    return pyatspi.findDescendant(root, lambda n: n.getRoleName() == 'label' and text in n.name)


def press_any(root, name):
    """A button or toggle button by its accessible name."""
    node = t.wait_for(f'“{name}”', lambda: pyatspi.findDescendant(
        root, lambda n: n.getRoleName() in ('push button', 'toggle button') and n.name == name))
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
        before = label_starting(home, '200 OK at ')
        before = before.name if before else None
        t.press(home, 'Call Protected API')
        t.wait_for('a new answer on Home', lambda: (lambda label: label is not None and label.name != before)(
            label_starting(home, '200 OK at ')))
        # The answer's time has a resolution of a second.
        time.sleep(1.1)

    # Invalidate: a real 401 from the server, one refresh, the retry.
    mark = trace.mark()
    press_any(inspector, 'Invalidate Access Token')
    trace.wait('the fault said', lambda e: e['kind'] == 'fault', after=mark)
    call_and_see_answer()
    refused = trace.wait('the real 401', exchange('me', 401), after=mark)
    if refused['details'].get('injected') or refused['details']['response'].get('injected'):
        t.fail('the real 401 is marked as injected')
    trace.wait('one refresh for it', is_('token', 'refresh-started', trigger='401'), after=mark)
    trace.wait('the retry answered', lambda e: exchange('me', 200)(e) and e['details'].get('retry'), after=mark)
    if window.name != 'Home':
        t.fail(f'the window shows {window.name!r}')
    t.wait_for('the injected fault in the timeline', lambda: label_containing(inspector, 'Injected'))
    t.ok('invalidate the access token: the server’s real 401, one refresh, the retry answered, still on Home, '
         'the fault in the timeline')

    # Expire: renewed before the call is sent.
    mark = trace.mark()
    press_any(inspector, 'Expire Access Token Now')
    call_and_see_answer()
    trace.wait('a refresh before the call', is_('token', 'refresh-started', trigger='expired'), after=mark)
    if [e for e in trace.since(mark) if exchange('me', 401)(e)]:
        t.fail('the expired token was sent anyway')
    t.ok('expire the access token: renewed before the call was sent, no 401')

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
    t.wait_for('the notice gone', lambda: label_containing(app, 'Could not connect') is None or
               not label_containing(app, 'Could not connect').getState().contains(pyatspi.STATE_SHOWING))
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
    trace.wait('back online after them', is_('connectivity', 'online'), after=made_up['seq'], timeout=120)
    t.ok('server errors: the 500s are marked as injected, and the app recovers by itself')

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
    notice = t.wait_for('the keyring notice', lambda: label_containing(app, 'will not be remembered'))
    t.press(t.find(app, 'frame', 'Home'), 'Try Again')
    trace.wait('saved on Try Again', is_('keyring', 'save', outcome='ok'), after=mark)
    t.wait_for('the notice gone', lambda: not notice.getState().contains(pyatspi.STATE_SHOWING))
    t.ok('keyring unavailable: the save fails, the notice says the session will not be remembered; '
         'Try Again saves it')

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
