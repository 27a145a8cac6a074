#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# What an outside UI automation tool sees: the real `authflow` binary against
# the real reference server, driven over AT-SPI by accessible names alone.
# Run by meson inside build-aux/headless-run (own Xvfb, D-Bus and keyring).
# Needs Debian's /usr/bin/python3, which has pyatspi.

import os
import re
import subprocess
import sys
import tempfile
import time

try:
    import pyatspi
except ImportError:
    print('1..0 # SKIP pyatspi is not installed')
    sys.exit(0)

TIMEOUT = 30
tests_run = 0


def ok(description):
    global tests_run
    tests_run += 1
    print(f'ok {tests_run} - {description}', flush=True)


def fail(description):
    global tests_run
    tests_run += 1
    print(f'not ok {tests_run} - {description}', flush=True)
    print(f'1..{tests_run}')
    sys.exit(1)


def wait_for(what, predicate, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = predicate()
        except Exception:  # The tree changes under us while pages switch.
            result = None
        if result:
            return result
        time.sleep(0.1)
    fail(f'timed out waiting for {what}')


ACCESS_TTL = 3


def start_server(tmpdir):
    # Access tokens live 3 seconds, so the test can wait past one.
    server = subprocess.Popen(
        [os.environ['AUTHFLOW_SERVER_BIN'], '--port', '0',
         '--db', os.path.join(tmpdir, 'authflow.db'),
         '--access-ttl', str(ACCESS_TTL)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = server.stdout.readline()
    match = re.match(r'Listening on (http://\S+)', line)
    if not match:
        server.kill()
        fail(f'the server did not start: {line!r}')
    return server, match.group(1)


def find_app(name):
    desktop = pyatspi.Registry.getDesktop(0)
    for app in desktop:
        if app is not None and app.name == name:
            return app
    return None


def find(root, role, name):
    return pyatspi.findDescendant(
        root, lambda node: node.getRoleName() == role and node.name == name)


def press(root, name):
    button = wait_for(f'the “{name}” button', lambda: find(root, 'push button', name))
    action = button.queryAction()
    for i in range(action.nActions):
        if action.getName(i) in ('click', 'activate'):
            action.doAction(i)
            return
    fail(f'the “{name}” button has no click action')


def type_into(root, name, text):
    field = wait_for(f'the “{name}” field', lambda: find(root, 'text', name))
    field.queryEditableText().setTextContents(text)
    wait_for(f'“{name}” to hold the text',
             lambda: field.queryText().characterCount == len(text))


def main():
    with tempfile.TemporaryDirectory() as tmpdir:
        server, url = start_server(tmpdir)
        env = dict(os.environ)
        env.pop('NO_AT_BRIDGE', None)
        env.pop('GTK_A11Y', None)
        app_process = subprocess.Popen([os.environ['AUTHFLOW_BIN'], '--server', url], env=env)
        try:
            run(app_process)
        finally:
            app_process.terminate()
            try:
                app_process.wait(10)
            except subprocess.TimeoutExpired:
                app_process.kill()
            server.terminate()
            server.wait(10)
    print(f'1..{tests_run}')


def run(app_process):
    app = wait_for('Authflow on the accessibility bus', lambda: find_app('authflow'))
    ok('the app is on the accessibility bus')

    # The window title tells where the person is (GTK 4.8 reports no
    # SHOWING state, so that is what an outside tool can read).
    window = wait_for('the Log In window', lambda: find(app, 'frame', 'Log In'))
    ok('the window is titled “Log In”')

    log_in_page = find(app, 'panel', 'Log In')
    if log_in_page is None:
        fail('the Log In page is not named')
    type_into(log_in_page, 'Username', 'emilys')
    type_into(log_in_page, 'Password', 'emilyspass')
    ok('typed the demo credentials into “Username” and “Password”')

    press(log_in_page, 'Log In')
    wait_for('the Home page', lambda: window.name == 'Home')
    ok('pressing “Log In” shows Home')

    home = find(app, 'panel', 'Home')
    wait_for('the user’s name on Home', lambda: find(home, 'label', 'Emily Johnson'))
    ok('Home shows “Emily Johnson”')

    # Past the first access token's lifetime, the protected call still
    # answers: the token was renewed on the way.
    time.sleep(ACCESS_TTL + 1)
    press(home, 'Call Protected API')
    result = wait_for('the protected call’s result', lambda: pyatspi.findDescendant(
        home, lambda node: node.getRoleName() == 'label' and node.name.startswith('200 OK at ')))
    if not result.name.endswith('the server says you are Emily Johnson (@emilys)'):
        fail(f'unexpected result: {result.name!r}')
    ok(f'after the {ACCESS_TTL} s token expired, “Call Protected API” answers: {result.name}')
    if window.name != 'Home':
        fail(f'the window shows {window.name!r} after the call')
    ok('the session survived the expiry: still on Home')

    press(home, 'Log Out')
    wait_for('the Log In page again', lambda: window.name == 'Log In')
    ok('pressing “Log Out” shows Log In')

    if app_process.poll() is not None:
        fail(f'the app exited with {app_process.returncode}')
    ok('the app is still running')


if __name__ == '__main__':
    main()
