#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# D-Bus activation, as GNOME uses it: with the app not running,
# `gapplication action io.github.authflow.Authflow log-out` makes the session
# bus start the real `authflow` binary from the service file that meson
# generated (installed here into $XDG_DATA_HOME/dbus-1/services, one of the
# bus's standard session service directories, with Exec pointing at the
# built binary). That instance must restore the session the keyring holds,
# log it out there and on the real reference server, open no window, and
# exit by itself once idle.
#
# Run by meson inside build-aux/headless-run, with GSETTINGS_BACKEND=keyfile
# so that the instance the bus starts reads the same settings as this test.

import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import atspi_util as t

APP_ID = os.environ['AUTHFLOW_APP_ID']
SCHEMA = 'io.github.authflow.Authflow.Session'
DATA_HOME = os.environ['XDG_DATA_HOME']
ACCESS_TTL = 2


def stored_session(url):
    """The session the keyring holds for @url, by the app's own schema."""
    result = subprocess.run(['secret-tool', 'lookup', 'xdg:schema', SCHEMA, 'backend', url],
                            capture_output=True, text=True, timeout=10)
    if result.returncode != 0 or not result.stdout:
        return None
    return json.loads(result.stdout)


def items_stored():
    """How many items of the app's schema the keyring holds, for any backend."""
    result = subprocess.run(['secret-tool', 'search', '--all', 'xdg:schema', SCHEMA],
                            capture_output=True, text=True, timeout=10)
    return len(re.findall(r'^\[/', result.stdout + result.stderr, re.MULTILINE))


def bus(method, *args):
    return subprocess.run(['gdbus', 'call', '--session', '--dest', 'org.freedesktop.DBus',
                           '--object-path', '/org/freedesktop/DBus',
                           '--method', f'org.freedesktop.DBus.{method}', *args],
                          capture_output=True, text=True, timeout=10)


def app_running():
    return 'true' in bus('NameHasOwner', APP_ID).stdout


def app_pid():
    match = re.search(r'uint32 (\d+)', bus('GetConnectionUnixProcessID', APP_ID).stdout)
    return int(match.group(1)) if match else None


def process_gone(pid):
    """Whether @pid has exited; the bus, not this test, is its parent."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(')', 1)[1].split()[0] in ('Z', 'X')
    except FileNotFoundError:
        return True


def windows_of(pid):
    """The top-level X windows of @pid that are mapped."""
    tree = subprocess.run(['xwininfo', '-root', '-children'], capture_output=True, text=True).stdout
    mapped = []
    for window in re.findall(r'^\s+(0x[0-9a-f]+)', tree, re.MULTILINE):
        owner = subprocess.run(['xprop', '-id', window, '_NET_WM_PID'],
                               capture_output=True, text=True).stdout
        if owner.strip() != f'_NET_WM_PID(CARDINAL) = {pid}':
            continue
        info = subprocess.run(['xwininfo', '-id', window], capture_output=True, text=True).stdout
        if 'Map State: IsViewable' in info:
            mapped.append(window)
    return mapped


def post(url, path, body, token=None):
    request = urllib.request.Request(url + path, data=json.dumps(body).encode(), method='POST',
                                     headers={'Content-Type': 'application/json'})
    if token:
        request.add_header('Authorization', f'Bearer {token}')
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as e:
        return e.code


def gapplication_action(action):
    return subprocess.run(['gapplication', 'action', APP_ID, action],
                          capture_output=True, text=True, timeout=30)


def install_service():
    """The generated service file, as installed, but starting the built binary."""
    service = open(os.environ['AUTHFLOW_DBUS_SERVICE']).read()
    exec_line = re.search(r'^Exec=(\S+) --gapplication-service$', service, re.MULTILINE)
    if not exec_line:
        t.fail(f'the service file has no “Exec=… --gapplication-service”: {service!r}')
    service = service.replace(exec_line.group(1), os.environ['AUTHFLOW_BIN'])
    services = os.path.join(DATA_HOME, 'dbus-1', 'services')
    os.makedirs(services, exist_ok=True)
    with open(os.path.join(services, f'{APP_ID}.service'), 'w') as f:
        f.write(service)

    applications = os.path.join(DATA_HOME, 'applications')
    os.makedirs(applications, exist_ok=True)
    shutil.copy(os.environ['AUTHFLOW_DESKTOP_FILE'], applications)

    # GIO skips a desktop file whose Exec is not on PATH.
    path = os.path.dirname(os.environ['AUTHFLOW_BIN']) + os.pathsep + os.environ['PATH']
    listed = subprocess.run(['gapplication', 'list-apps'], env=dict(os.environ, PATH=path),
                            capture_output=True, text=True).stdout.split()
    if APP_ID not in listed:
        t.fail(f'gapplication list-apps does not list {APP_ID} (DBusActivatable=true?): {listed}')
    t.ok('the desktop file says DBusActivatable=true')


def log_in_and_quit(url):
    """Logs in with the real app, as a person would, and quits it."""
    env = dict(os.environ)
    env.pop('NO_AT_BRIDGE', None)
    app_process = subprocess.Popen([os.environ['AUTHFLOW_BIN']], env=env)
    try:
        app = t.wait_for('the app', lambda: t.find_app('authflow', app_process.pid))
        window = t.wait_for('Log In', lambda: t.find(app, 'frame', 'Log In'))
        page = t.find(app, 'panel', 'Log In')
        t.type_into(page, 'Username', 'emilys')
        t.type_into(page, 'Password', 'emilyspass')
        t.press(page, 'Log In')
        t.wait_for('Home', lambda: window.name == 'Home')
        # What the check for windows below must see, and not see there.
        if not windows_of(app_process.pid):
            t.fail('the window of the app, started by hand, is not found on the display')
        session = t.wait_for('the session in the keyring', lambda: stored_session(url))
        t.ok('logged in; the keyring holds the session')

        if gapplication_action('quit').returncode != 0:
            t.fail('gapplication action quit failed')
        if app_process.wait(30) != 0:
            t.fail(f'the app exited with {app_process.returncode}')
    finally:
        t.stop(app_process)
    t.wait_for('the app to leave the bus', lambda: not app_running())
    if not stored_session(url):
        t.fail('quitting removed the session from the keyring')
    t.ok('quit; the session stays in the keyring')
    return session


def activate_log_out(server, session, first=True):
    url = server.url
    if app_running():
        t.fail('an instance is still running')

    started = time.monotonic()
    result = gapplication_action('log-out')
    if result.returncode != 0:
        t.fail(f'gapplication action log-out failed: {result.stderr.strip()}')
    pid = app_pid()
    if pid is None:
        t.fail('no instance runs after gapplication action log-out')
    argv = open(f'/proc/{pid}/cmdline').read().split('\0')
    if argv[:2] != [os.environ['AUTHFLOW_BIN'], '--gapplication-service']:
        t.fail(f'the bus started {argv}')
    t.ok('the bus started the built binary with --gapplication-service')

    if first:
        # The bus looks through its service directories again when asked
        # for a name it does not know; now it knows where this one came from.
        if f"'{APP_ID}'" not in bus('ListActivatableNames').stdout:
            t.fail(f'the bus does not list {APP_ID} as activatable')
        t.ok('the bus found the service file in $XDG_DATA_HOME/dbus-1/services')

        # The options of a run apply to the instance that starts with them:
        # a running one says so rather than dropping them.
        second = subprocess.run([os.environ['AUTHFLOW_BIN'], '--server', url],
                                capture_output=True, text=True, timeout=30)
        if second.returncode == 0 or 'already running' not in second.stderr:
            t.fail(f'--server given to a running instance: {second.returncode} {second.stderr!r}')
        t.ok('--server given while an instance runs is refused, and says why')

    t.wait_for('the keyring item gone', lambda: items_stored() == 0)
    t.ok('the activated instance removed the session from the keyring')

    if windows_of(pid):
        t.fail(f'the activated instance opened windows {windows_of(pid)}')
    t.ok('the activated instance opened no window')

    # The instance holds itself while the keyring and the server's logout
    # run, then exits once GApplication's inactivity timeout has passed.
    t.wait_for('the activated instance to exit', lambda: process_gone(pid), timeout=40)
    # The bus lets the name go when it sees the connection close, which can
    # be a moment after the process is gone (seen on a busy machine).
    t.wait_for('the app to leave the bus', lambda: not app_running(), timeout=10)
    t.ok(f'the activated instance exited by itself after {time.monotonic() - started:.0f} s')

    # Every refresh token family of the server is revoked: the logout must
    # reach a token that a refresh on the way rotated into one that nobody
    # holds. Asked first: the reuse of a spent token below would revoke
    # its family whatever the app did.
    live = server.live_sessions()
    if live:
        t.fail(f'{live} refresh token families stay live on the server')
    t.ok('no session stays live on the server')

    # Only now: a refresh of a still valid token would spend it, and the
    # reuse would then be refused whatever the logout did.
    status = post(url, '/auth/refresh', {'refreshToken': session['refreshToken']})
    if status != 403:
        t.fail(f'the server answered the logged-out refresh token with {status}, not 403')
    t.ok('the server refuses the refresh token: 403')


def activate_signed_out():
    """Nothing stored: the action does nothing, and the instance goes."""
    result = gapplication_action('log-out')
    if result.returncode != 0:
        t.fail(f'gapplication action log-out, signed out, failed: {result.stderr.strip()}')
    pid = app_pid()
    if pid is not None:
        t.wait_for('the instance to exit', lambda: process_gone(pid), timeout=40)
        if windows_of(pid):
            t.fail('the activated instance opened a window')
    t.ok('signed out, gapplication action log-out starts no window and the instance exits')


def activate_launch():
    """What the desktop does with DBusActivatable=true: Activate, which
    opens the window in the instance the bus starts."""
    result = subprocess.run(['gapplication', 'launch', APP_ID], capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        t.fail(f'gapplication launch failed: {result.stderr.strip()}')
    pid = app_pid()
    if pid is None:
        t.fail('no instance runs after gapplication launch')
    t.wait_for('the window', lambda: windows_of(pid))
    t.ok('gapplication launch starts the app over D-Bus and opens its window')

    if gapplication_action('quit').returncode != 0:
        t.fail('gapplication action quit failed')
    t.wait_for('the instance to exit', lambda: process_gone(pid), timeout=40)
    t.ok('with its window closed, the instance exits by itself')


class Server:
    """The reference server, with its database to look into."""

    def __init__(self, tmp, access_ttl=None):
        os.makedirs(tmp)
        self.process, self.url = t.start_server(tmp, access_ttl=access_ttl)
        self.db = os.path.join(tmp, 'authflow.db')

    def live_sessions(self):
        with sqlite3.connect(self.db) as db:
            return db.execute('SELECT COUNT(*) FROM refresh_families WHERE revoked_at IS NULL').fetchone()[0]

    def use(self):
        # Both instances must talk to this server: through the settings,
        # since the bus starts the second one without --server.
        subprocess.run(['gsettings', 'set', 'io.github.authflow.Authflow', 'server-url', self.url],
                       check=True)

    def stop(self):
        t.stop(self.process)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(os.path.join(tmp, 'fresh'))
        expiring = Server(os.path.join(tmp, 'expiring'), access_ttl=ACCESS_TTL)
        try:
            install_service()

            server.use()
            session = log_in_and_quit(server.url)
            activate_log_out(server, session)

            # As after a night off: the access token has expired, so the
            # restored session is renewed while it is being logged out.
            expiring.use()
            session = log_in_and_quit(expiring.url)
            time.sleep(ACCESS_TTL + 1)
            t.ok('the access token has expired')
            activate_log_out(expiring, session, first=False)

            activate_signed_out()
            activate_launch()
        finally:
            server.stop()
            expiring.stop()
    t.finish()


if __name__ == '__main__':
    main()
