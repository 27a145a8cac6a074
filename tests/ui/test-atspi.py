#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# What an outside UI automation tool sees: the real `authflow` binary against
# the real reference server, driven over AT-SPI by accessible names alone.
# Run by meson inside build-aux/headless-run (own Xvfb, D-Bus and keyring).
# Needs Debian's /usr/bin/python3, which has pyatspi.

import time

import atspi_util as t
import pyatspi

# Access tokens live 3 seconds, so the test can wait past one.
ACCESS_TTL = 3


def main():
    t.run_against_server(run, access_ttl=ACCESS_TTL)


def run(app_process):
    app = t.wait_for('Authflow on the accessibility bus', lambda: t.find_app('authflow'))
    t.ok('the app is on the accessibility bus')

    # The window title tells where the person is (GTK 4.8 reports no
    # SHOWING state, so that is what an outside tool can read).
    window = t.wait_for('the Log In window', lambda: t.find(app, 'frame', 'Log In'))
    t.ok('the window is titled “Log In”')

    log_in_page = t.find(app, 'panel', 'Log In')
    if log_in_page is None:
        t.fail('the Log In page is not named')
    t.type_into(log_in_page, 'Username', 'emilys')
    t.type_into(log_in_page, 'Password', 'emilyspass')
    t.ok('typed the demo credentials into “Username” and “Password”')

    t.press(log_in_page, 'Log In')
    t.wait_for('the Home page', lambda: window.name == 'Home')
    t.ok('pressing “Log In” shows Home')

    home = t.find(app, 'panel', 'Home')
    t.wait_for('the user’s name on Home', lambda: t.find(home, 'label', 'Emily Johnson'))
    t.ok('Home shows “Emily Johnson”')

    # Past the first access token's lifetime, the protected call still
    # answers: the token was renewed on the way.
    time.sleep(ACCESS_TTL + 1)
    t.press(home, 'Call Protected API')
    result = t.wait_for('the protected call’s result', lambda: pyatspi.findDescendant(
        home, lambda node: node.getRoleName() == 'label' and node.name.startswith('200 OK at ')))
    if not result.name.endswith('the server says you are Emily Johnson (@emilys)'):
        t.fail(f'unexpected result: {result.name!r}')
    t.ok(f'after the {ACCESS_TTL} s token expired, “Call Protected API” answers: {result.name}')
    if window.name != 'Home':
        t.fail(f'the window shows {window.name!r} after the call')
    t.ok('the session survived the expiry: still on Home')

    t.press(home, 'Log Out')
    t.wait_for('the Log In page again', lambda: window.name == 'Log In')
    t.ok('pressing “Log Out” shows Log In')

    if app_process.poll() is not None:
        t.fail(f'the app exited with {app_process.returncode}')
    t.ok('the app is still running')


if __name__ == '__main__':
    main()
