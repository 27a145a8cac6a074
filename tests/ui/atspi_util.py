# SPDX-License-Identifier: GPL-3.0-or-later
#
# What the tests that drive the real `authflow` binary over AT-SPI share:
# TAP output, waiting, finding controls by accessible name, and starting the
# reference server and the app. Run with Debian's /usr/bin/python3, which
# has pyatspi; without it, importing this prints a TAP skip and exits.

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

# libatspi gives up on a call after 800 ms by default ("Did not receive a
# reply"). A press that opens a window (Preferences, the shortcuts window)
# is answered once the app has built it, and under AddressSanitizer on a
# busy two-core machine that has taken longer: a slow answer is not a lost
# one. A hung app still fails, after 10 s.
from gi.repository import Atspi  # noqa: E402 (pyatspi has chosen its version)
Atspi.set_timeout(10000, 15000)


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


def finish():
    print(f'1..{tests_run}')


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


def find_app(name, pid=None):
    """The application @name on the accessibility bus; with @pid, that very
    process, not one that ran before it and may still be listed."""
    desktop = pyatspi.Registry.getDesktop(0)
    for app in desktop:
        if app is not None and app.name == name and (pid is None or app.get_process_id() == pid):
            return app
    return None


def find(root, role, name):
    return pyatspi.findDescendant(
        root, lambda node: node.getRoleName() == role and node.name == name)


def find_label(root, predicate):
    return pyatspi.findDescendant(
        root, lambda node: node.getRoleName() == 'label' and predicate(node.name))


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


def start_server(tmpdir, access_ttl=None):
    """The reference server on a free port; returns it and its URL."""
    argv = [os.environ['AUTHFLOW_SERVER_BIN'], '--port', '0',
            '--db', os.path.join(tmpdir, 'authflow.db')]
    if access_ttl is not None:
        argv += ['--access-ttl', str(access_ttl)]
    server = subprocess.Popen(argv, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    line = server.stdout.readline()
    match = re.match(r'Listening on (http://\S+)', line)
    if not match:
        server.kill()
        fail(f'the server did not start: {line!r}')
    return server, match.group(1)


def start_app(url, **popen_args):
    """The app against @url, visible on the accessibility bus."""
    env = dict(popen_args.pop('env', os.environ))
    env.pop('NO_AT_BRIDGE', None)
    env.pop('GTK_A11Y', None)
    return subprocess.Popen([os.environ['AUTHFLOW_BIN'], '--server', url],
                            env=env, **popen_args)


def stop(process):
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_against_server(run, access_ttl=None):
    """The reference server on a free port and the app against it; calls
    @run with the app's process, then stops both and ends the TAP output."""
    with tempfile.TemporaryDirectory() as tmpdir:
        server, url = start_server(tmpdir, access_ttl=access_ttl)
        app_process = start_app(url)
        try:
            run(app_process)
        finally:
            stop(app_process)
            stop(server)
    finish()
