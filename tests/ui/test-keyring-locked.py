#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A locked keyring, as after an automatic login: the real `authflow` binary,
# the real reference server and gnome-keyring's real unlock prompt, which
# this test answers over AT-SPI the way a person does, by pressing Cancel or
# by typing the password. The app must never hang, must say why the session
# will not be remembered, must let the person in anyway, and must lose
# nothing: Try Again gets the session back once the keyring is unlocked.
#
# Run by meson inside build-aux/headless-run, whose keyring gets the
# password in AUTHFLOW_HEADLESS_KEYRING_PASSWORD; the test locks it.

import json
import os
import subprocess
import tempfile
import time

import atspi_util as t
import keyring_prompt

PASSWORD = os.environ.get('AUTHFLOW_HEADLESS_KEYRING_PASSWORD', '')
SCHEMA = 'io.github.authflow.Authflow.Session'
LOGIN_COLLECTION = '/org/freedesktop/secrets/collection/login'
WAITING = 'Waiting for the system keyring to be unlocked…'
NOT_REMEMBERED = ('The system keyring stayed locked, so your session will not be '
                  'remembered after Authflow closes.')
NOT_REMOVED = ('The system keyring stayed locked, so the saved session could not be '
               'removed from it.')


def lock_keyring():
    subprocess.run(['gdbus', 'call', '--session', '--dest', 'org.freedesktop.secrets',
                    '--object-path', '/org/freedesktop/secrets',
                    '--method', 'org.freedesktop.Secret.Service.Lock',
                    f"['{LOGIN_COLLECTION}']"],
                   check=True, stdout=subprocess.DEVNULL)
    locked = subprocess.run(['gdbus', 'call', '--session', '--dest', 'org.freedesktop.secrets',
                             '--object-path', LOGIN_COLLECTION,
                             '--method', 'org.freedesktop.DBus.Properties.Get',
                             'org.freedesktop.Secret.Collection', 'Locked'],
                            check=True, capture_output=True, text=True).stdout
    if 'true' not in locked:
        t.fail(f'the keyring did not lock: {locked.strip()}')


def stored_user(url):
    """The username of the session the keyring holds; only while unlocked,
    or secret-tool itself would prompt."""
    result = subprocess.run(['secret-tool', 'lookup', 'xdg:schema', SCHEMA, 'backend', url],
                            capture_output=True, text=True, timeout=10)
    if result.returncode != 0 or not result.stdout:
        return None
    return json.loads(result.stdout).get('user', {}).get('username')


def answer_prompt(what, answer):
    dialog = keyring_prompt.wait_for_prompt()
    if dialog is None:
        t.fail(f'no unlock prompt came {what}')
    if answer == 'dismiss':
        keyring_prompt.dismiss(dialog)
    else:
        keyring_prompt.unlock(dialog, PASSWORD)
    if not keyring_prompt.wait_until_gone():
        t.fail(f'the prompt {what} did not go away')


def notice(app, text):
    return t.find_label(app, lambda name: name == text)


def log_in(app):
    page = t.find(app, 'panel', 'Log In')
    t.type_into(page, 'Username', 'emilys')
    t.type_into(page, 'Password', 'emilyspass')
    t.press(page, 'Log In')


def main():
    if not PASSWORD:
        print('1..0 # SKIP needs AUTHFLOW_HEADLESS_KEYRING_PASSWORD (run by meson)')
        return

    with tempfile.TemporaryDirectory() as tmpdir:
        server, url = t.start_server(tmpdir)
        app_process = None
        try:
            lock_keyring()
            t.ok('the login keyring is locked')

            app_process = t.start_app(url)
            first_run(app_process, url)
            t.stop(app_process)

            lock_keyring()
            app_process = t.start_app(url)
            second_run(app_process, url)
            t.stop(app_process)

            lock_keyring()
            app_process = t.start_app(url)
            third_run(app_process, url)
        finally:
            if app_process is not None:
                t.stop(app_process)
            t.stop(server)
    t.finish()


def first_run(app_process, url):
    app = t.wait_for('Authflow on the accessibility bus',
                     lambda: t.find_app('authflow', app_process.pid))
    window = t.wait_for('Log In', lambda: t.find(app, 'frame', 'Log In'))
    time.sleep(1)
    if keyring_prompt.find_prompt() is not None:
        t.fail('the keyring asked to be unlocked with nothing stored to read')
    if notice(app, NOT_REMEMBERED) is not None:
        t.fail('a keyring notice with nothing stored to read')
    t.ok('nothing stored yet: no prompt at start-up, straight to Log In')

    # Logging in asks to unlock, to store the session; dismissed, the person
    # is in all the same, for this run, and told so.
    log_in(app)
    answer_prompt('when the session is stored', 'dismiss')
    t.wait_for('Home', lambda: window.name == 'Home')
    t.wait_for('the user on Home', lambda: t.find(app, 'label', 'Emily Johnson'))
    t.wait_for('the keyring notice', lambda: notice(app, NOT_REMEMBERED))
    t.ok('logged in, unlock dismissed: Home, with the notice and Try Again')

    t.press(app, 'Try Again')
    answer_prompt('after Try Again', 'unlock')
    t.wait_for('the session in the keyring', lambda: stored_user(url) == 'emilys')
    t.ok('Try Again, unlocked: the session is in the keyring')
    if app_process.poll() is not None:
        t.fail(f'the app exited with {app_process.returncode}')


def second_run(app_process, url):
    app = t.wait_for('Authflow on the accessibility bus',
                     lambda: t.find_app('authflow', app_process.pid))
    window = t.wait_for('the splash', lambda: t.find(app, 'frame', 'Authflow'))
    t.wait_for('the splash to say what it waits for', lambda: notice(app, WAITING))
    t.ok(f'a session is stored: the keyring asks to be unlocked, the splash says “{WAITING}”')

    answer_prompt('at start-up', 'dismiss')
    t.wait_for('Log In', lambda: window.name == 'Log In')
    t.wait_for('the keyring notice', lambda: notice(app, NOT_REMEMBERED))
    t.ok('dismissed at start-up: Log In, with the notice and Try Again')

    # The session was there all along: Try Again brings it back.
    t.press(app, 'Try Again')
    answer_prompt('after Try Again', 'unlock')
    t.wait_for('Home', lambda: window.name == 'Home')
    t.wait_for('the user on Home', lambda: t.find(app, 'label', 'Emily Johnson'))
    t.ok('Try Again, unlocked: the saved session is back, on Home')


def third_run(app_process, url):
    app = t.wait_for('Authflow on the accessibility bus',
                     lambda: t.find_app('authflow', app_process.pid))
    window = t.wait_for('the splash', lambda: t.find(app, 'frame', 'Authflow'))
    answer_prompt('at start-up', 'unlock')
    t.wait_for('Home', lambda: window.name == 'Home')
    t.wait_for('the user on Home', lambda: t.find(app, 'label', 'Emily Johnson'))
    t.ok('unlocked at start-up: straight to Home')

    # Log out with the keyring locked again: the removal asks; dismissed,
    # the notice says the saved session is still there; Try Again removes it.
    lock_keyring()
    t.press(app, 'Log Out')
    answer_prompt('at log out', 'dismiss')
    t.wait_for('Log In', lambda: window.name == 'Log In')
    t.wait_for('the notice that the session was not removed', lambda: notice(app, NOT_REMOVED))
    t.ok('logged out, unlock dismissed: the notice says the saved session is still there')

    t.press(app, 'Try Again')
    answer_prompt('after Try Again at log out', 'unlock')
    t.wait_for('the session to leave the keyring', lambda: stored_user(url) is None)
    if window.name != 'Log In':
        t.fail(f'the window shows {window.name!r} after the removal')
    t.ok('Try Again, unlocked: the saved session is removed, and the app stays on Log In')
    if app_process.poll() is not None:
        t.fail(f'the app exited with {app_process.returncode}')


if __name__ == '__main__':
    main()
