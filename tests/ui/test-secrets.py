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
import subprocess
import tempfile

import atspi_util as t

ACCESS_TTL = 3
PASSWORD = 'emilyspass'


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
        server, url = t.start_server(tmp, access_ttl=ACCESS_TTL)
        output = os.path.join(tmp, 'app-output.txt')
        # Settings go to a real file under HOME, to be searched like any other.
        env = dict(os.environ, G_MESSAGES_DEBUG='all', GSETTINGS_BACKEND='keyfile')
        with open(output, 'w') as out:
            app_process = t.start_app(url, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            run(url, secrets)
        finally:
            t.stop(app_process)
            t.stop(server)

        printed = open(output, errors='replace').read()
        if 'authflow' not in printed:
            t.fail('the app printed no debug output: the search would prove nothing')
        for secret in secrets:
            if secret in printed:
                t.fail('a secret appears in what the app printed')
        t.ok(f'none of {len(secrets)} secrets is in the {len(printed)} characters the app printed')

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
                        t.fail(f'a secret is in {os.path.relpath(path, os.environ["HOME"])}')
        if searched == 0:
            t.ok('the app wrote no file under HOME outside the keyring')
        else:
            t.ok(f'none of them is in the {searched} files under HOME outside the keyring')
    t.finish()


def run(url, secrets):
    app = t.wait_for('the app', lambda: t.find_app('authflow'))
    window = t.wait_for('Log In', lambda: t.find(app, 'frame', 'Log In'))
    page = t.find(app, 'panel', 'Log In')
    t.type_into(page, 'Username', 'emilys')
    t.type_into(page, 'Password', PASSWORD)
    t.press(page, 'Log In')
    t.wait_for('Home', lambda: window.name == 'Home')
    first = t.wait_for('the session in the keyring', lambda: stored_tokens(url))
    secrets |= first
    t.ok('logged in; the keyring holds the session')

    # Past the token's life the app renews it: new tokens, also secret.
    renewed = t.wait_for(
        'renewed tokens in the keyring',
        lambda: (lambda tokens: tokens if tokens and not (tokens & first) else None)(stored_tokens(url)),
        timeout=ACCESS_TTL + 15)
    secrets |= renewed
    t.ok('the tokens were renewed')

    home = t.find(app, 'panel', 'Home')
    t.press(home, 'Edit Profile')
    dialog = t.wait_for('Edit Profile', lambda: t.find(app, 'frame', 'Edit Profile'))
    t.type_into(dialog, 'First Name', 'Em')
    t.press(dialog, 'Save')
    t.wait_for('the new name', lambda: t.find(home, 'label', 'Em Johnson'))
    secrets |= stored_tokens(url)
    t.ok('edited the profile')

    # A settings file under HOME, as a person's would be, to be searched too.
    subprocess.run(['gsettings', 'set', 'io.github.authflow.Authflow', 'persist-sessions', 'true'],
                   env=dict(os.environ, GSETTINGS_BACKEND='keyfile'))

    t.press(home, 'Log Out')
    t.wait_for('Log In', lambda: window.name == 'Log In')
    t.wait_for('the keyring item gone', lambda: not stored_tokens(url))
    t.ok('logged out; the keyring item is gone')


if __name__ == '__main__':
    main()
