#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Secrets stay secret: the real `authflow` binary logs in, renews its tokens,
# edits the profile and logs out with every debug message on; then nothing it
# printed, and no file under its HOME but the keyring's own encrypted store,
# may hold the password or any token it had. The tokens are read from the
# keyring (the one place allowed to hold them) along the way.

import json
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

ACCESS_TTL = 3
PASSWORD = 'emilyspass'
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


def wait_for(what, predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = predicate()
        except Exception:
            result = None
        if result:
            return result
        time.sleep(0.1)
    fail(f'timed out waiting for {what}')


def find(root, role, name):
    return pyatspi.findDescendant(root, lambda n: n.getRoleName() == role and n.name == name)


def press(root, name):
    wait_for(f'“{name}”', lambda: find(root, 'push button', name)).queryAction().doAction(0)


def type_into(root, name, text):
    field = wait_for(f'“{name}”', lambda: find(root, 'text', name))
    field.queryEditableText().setTextContents(text)


def stored_tokens(url):
    """The session the keyring holds now, by the app's own schema."""
    result = subprocess.run(['secret-tool', 'lookup', 'xdg:schema', 'io.github.authflow.Authflow.Session',
                             'backend', url], capture_output=True, text=True)
    if result.returncode != 0 or not result.stdout:
        return set()
    stored = json.loads(result.stdout)
    return {stored[k] for k in ('accessToken', 'refreshToken') if stored.get(k)}


def main():
    secrets = {PASSWORD}
    with tempfile.TemporaryDirectory() as tmp:
        server = subprocess.Popen([os.environ['AUTHFLOW_SERVER_BIN'], '--port', '0',
                                   '--db', os.path.join(tmp, 'db'), '--access-ttl', str(ACCESS_TTL)],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        url = re.match(r'Listening on (\S+)', server.stdout.readline()).group(1)
        output = os.path.join(tmp, 'app-output.txt')
        # Settings go to a real file under HOME, to be searched like any other.
        env = dict(os.environ, G_MESSAGES_DEBUG='all', GSETTINGS_BACKEND='keyfile')
        env.pop('NO_AT_BRIDGE', None)
        with open(output, 'w') as out:
            app_process = subprocess.Popen([os.environ['AUTHFLOW_BIN'], '--server', url],
                                           env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            run(url, secrets)
        finally:
            app_process.terminate()
            app_process.wait(10)
            server.terminate()
            server.wait(10)

        printed = open(output, errors='replace').read()
        if 'authflow' not in printed:
            fail('the app printed no debug output: the search would prove nothing')
        for secret in secrets:
            if secret in printed:
                fail('a secret appears in what the app printed')
        ok(f'none of {len(secrets)} secrets is in the {len(printed)} characters the app printed')

        keyrings = os.path.join(os.environ['XDG_DATA_HOME'], 'keyrings')
        searched = 0
        for directory, _, files in os.walk(os.environ['HOME']):
            if directory.startswith(keyrings):
                continue
            for name in files:
                path = os.path.join(directory, name)
                try:
                    data = open(path, 'rb').read()
                except OSError:
                    continue
                searched += 1
                for secret in secrets:
                    if secret.encode() in data:
                        fail(f'a secret is in {os.path.relpath(path, os.environ["HOME"])}')
        if searched == 0:
            ok('the app wrote no file under HOME outside the keyring')
        else:
            ok(f'none of them is in the {searched} files under HOME outside the keyring')
    print(f'1..{tests_run}')


def run(url, secrets):
    app = wait_for('the app', lambda: next((a for a in pyatspi.Registry.getDesktop(0)
                                            if a is not None and a.name == 'authflow'), None))
    window = wait_for('Log In', lambda: find(app, 'frame', 'Log In'))
    page = find(app, 'panel', 'Log In')
    type_into(page, 'Username', 'emilys')
    type_into(page, 'Password', PASSWORD)
    press(page, 'Log In')
    wait_for('Home', lambda: window.name == 'Home')
    first = wait_for('the session in the keyring', lambda: stored_tokens(url))
    secrets |= first
    ok('logged in; the keyring holds the session')

    # Past the token's life the app renews it: new tokens, also secret.
    renewed = wait_for('renewed tokens in the keyring',
                       lambda: (lambda t: t if t and not (t & first) else None)(stored_tokens(url)),
                       timeout=ACCESS_TTL + 15)
    secrets |= renewed
    ok('the tokens were renewed')

    home = find(app, 'panel', 'Home')
    press(home, 'Edit Profile')
    type_into(home, 'First Name', 'Em')
    press(home, 'Save Profile')
    wait_for('the new name', lambda: find(home, 'label', 'Em Johnson'))
    secrets |= stored_tokens(url)
    ok('edited the profile')

    # A settings file under HOME, as a person's would be, to be searched too.
    subprocess.run(['gsettings', 'set', 'io.github.authflow.Authflow', 'persist-sessions', 'true'],
                   env=dict(os.environ, GSETTINGS_BACKEND='keyfile'))

    press(home, 'Log Out')
    wait_for('Log In', lambda: window.name == 'Log In')
    wait_for('the keyring item gone', lambda: not stored_tokens(url))
    ok('logged out; the keyring item is gone')


if __name__ == '__main__':
    main()
