#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: bench/store-session.py AUTHFLOW_BIN URL
#
# Stores a real session in the keyring for build-aux/bench, as a person
# would: starts Authflow against the reference server at URL, types the
# demo user's credentials into Log In over AT-SPI, presses Log In, waits for
# Home and for the session to be in the keyring, and quits. It runs in its
# own process so that the benchmark itself never joins the accessibility
# bus. Needs Debian's /usr/bin/python3, which has pyatspi.

import os
import subprocess
import sys
import time

import pyatspi

TIMEOUT = 30
SCHEMA = 'io.github.authflow.Authflow.Session'


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
    sys.exit(f'store-session: timed out waiting for {what}')


def find_app(pid):
    for app in pyatspi.Registry.getDesktop(0):
        if app is not None and app.get_process_id() == pid:
            return app
    return None


def find(root, role, name):
    return pyatspi.findDescendant(
        root, lambda node: node.getRoleName() == role and node.name == name)


def stored():
    """Whether the keyring holds an Authflow session (which backend's, the
    benchmark's Home start then shows)."""
    result = subprocess.run(['secret-tool', 'search', 'xdg:schema', SCHEMA],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return result.returncode == 0 and result.stdout.startswith(b'[/')


def main():
    authflow, url = sys.argv[1:3]
    env = dict(os.environ)
    env.pop('NO_AT_BRIDGE', None)
    env.pop('GTK_A11Y', None)
    app_process = subprocess.Popen([authflow, '--server', url], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        app = wait_for('Authflow on the accessibility bus', lambda: find_app(app_process.pid))
        window = wait_for('the Log In window', lambda: find(app, 'frame', 'Log In'))
        page = wait_for('the Log In page', lambda: find(app, 'panel', 'Log In'))
        for name, text in (('Username', 'emilys'), ('Password', 'emilyspass')):
            field = wait_for(f'the {name} field', lambda: find(page, 'text', name))
            field.queryEditableText().setTextContents(text)
            wait_for(f'{name} to hold the text',
                     lambda: field.queryText().characterCount == len(text))
        button = wait_for('the Log In button', lambda: find(page, 'push button', 'Log In'))
        action = button.queryAction()
        for i in range(action.nActions):
            if action.getName(i) in ('click', 'activate'):
                action.doAction(i)
                break
        wait_for('Home', lambda: window.name == 'Home')
        wait_for('the session in the keyring', stored)
    finally:
        app_process.terminate()
        try:
            app_process.wait(10)
        except subprocess.TimeoutExpired:
            app_process.kill()
            app_process.wait()


if __name__ == '__main__':
    main()
