#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The flow, recorded: the real `authflow` binary runs the whole flow against
# the real reference server and keyring with `--trace` and `--har`, driven
# as a person and an automation tool would (AT-SPI, and the app's actions
# over D-Bus). The test waits on the trace's entries rather than sleeping,
# and checks that they come in the order a developer would expect:
#
#   sign up, log out, log in; the server rotates its signing key, and 20
#   calls at once on the token it now refuses show as 20 answers 401, one
#   refresh with 20 waiters, and 20 retries; a renewal ahead of expiry; the
#   server gone and back; a profile edit; faults injected over D-Bus (a
#   token the server refuses, a made-up 503), each marked as injected;
#   log out; quit.
#
# Then nothing the app wrote (the trace, the HAR export, what it printed
# with every debug message on) may hold the password or any token.

import hashlib
import json
import os
import re
import sqlite3
import subprocess
import tempfile
import time
import urllib.parse

import atspi_util as t

APP_ID = os.environ['AUTHFLOW_APP_ID']
USERNAME = 'tracy'
PASSWORD = 'trace-me-not-2026'
EMAIL = 'tracy@example.com'
N_CALLS = 20
SHORT_TTL = 4


class Trace:
    """The trace file as the app writes it, read as it grows."""

    def __init__(self, path):
        self.path = path
        self.entries = []
        self.offset = 0
        self.partial = ''

    def read(self):
        try:
            with open(self.path, encoding='utf-8') as f:
                f.seek(self.offset)
                data = f.read()
                self.offset = f.tell()
        except FileNotFoundError:
            return
        data = self.partial + data
        lines = data.split('\n')
        self.partial = lines.pop()
        for line in lines:
            entry = json.loads(line)
            if entry.get('v') != 1:
                t.fail(f'an entry of schema version {entry.get("v")!r}: {line[:200]}')
            if self.entries and entry['seq'] <= self.entries[-1]['seq']:
                t.fail(f'sequence {entry["seq"]} after {self.entries[-1]["seq"]}')
            self.entries.append(entry)

    def since(self, mark):
        self.read()
        return [e for e in self.entries if e['seq'] > mark]

    def mark(self):
        self.read()
        return self.entries[-1]['seq'] if self.entries else 0

    def wait(self, what, predicate, after=0, timeout=t.TIMEOUT):
        """The first entry after sequence @after that @predicate accepts."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for entry in self.since(after):
                if predicate(entry):
                    return entry
            time.sleep(0.05)
        # What came instead, for whoever reads the failure.
        for entry in self.since(after)[-60:]:
            print(f'# {entry["seq"]} {entry["kind"]}/{entry["event"]}: {entry["summary"]}')
        t.fail(f'timed out waiting for {what}')


def is_(kind, event, **details):
    def predicate(entry):
        if entry['kind'] != kind or entry['event'] != event:
            return False
        for key, value in details.items():
            if entry['details'].get(key) != value:
                return False
        return True
    return predicate


def exchange(call, status=None, retry=None):
    def predicate(entry):
        if entry['kind'] != 'http' or entry['event'] != 'exchange':
            return False
        d = entry['details']
        if d.get('call') != call:
            return False
        if status is not None and (d.get('response') or {}).get('status') != status:
            return False
        if retry is not None and bool(d.get('retry')) != retry:
            return False
        return True
    return predicate


def in_order(trace, after, *steps):
    """Each of @steps (description, predicate) after the one before it."""
    seq = after
    for description, predicate in steps:
        entry = trace.wait(description, predicate, after=seq)
        seq = entry['seq']
    return seq


def fingerprint(token):
    lead = min(4, len(token) // 8)
    return token[:lead] + '…' + hashlib.sha256(token.encode()).hexdigest()[:8]


def stored_tokens(url):
    """The session the keyring holds now, by the app's own schema."""
    result = subprocess.run(['secret-tool', 'lookup', 'xdg:schema', 'io.github.authflow.Authflow.Session',
                             'backend', url], capture_output=True, text=True)
    if result.returncode != 0 or not result.stdout:
        return set()
    stored = json.loads(result.stdout)
    return {stored[k] for k in ('accessToken', 'refreshToken') if stored.get(k)}


def activate(action, parameter=None):
    """An application action over D-Bus, as `gapplication action` does."""
    path = '/' + APP_ID.replace('.', '/')
    params = f'[<{parameter}>]' if parameter is not None else '[]'
    subprocess.run(['gdbus', 'call', '--session', '--dest', APP_ID, '--object-path', path,
                    '--method', 'org.gtk.Actions.Activate', action, params, '{}'],
                   check=True, capture_output=True)


class Server:
    """The reference server, stopped and started again on one port and one
    database, as a real deployment is restarted."""

    def __init__(self, tmpdir):
        self.db = os.path.join(tmpdir, 'authflow.db')
        self.port = 0
        self.process = None

    def start(self, access_ttl=None):
        argv = [os.environ['AUTHFLOW_SERVER_BIN'], '--port', str(self.port), '--db', self.db]
        if access_ttl is not None:
            argv += ['--access-ttl', str(access_ttl)]
        self.process = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True)
        line = self.process.stdout.readline()
        match = re.match(r'Listening on (http://127\.0\.0\.1:(\d+))', line)
        if not match:
            t.fail(f'the server did not start: {line!r}')
        self.port = int(match.group(2))
        return match.group(1)

    def stop(self):
        t.stop(self.process)

    def rotate_signing_key(self):
        """What an operator does when the key may have leaked: every access
        token issued so far is refused; refresh tokens stay good."""
        with sqlite3.connect(self.db) as db:
            db.execute("UPDATE meta SET value = randomblob(32) WHERE key = 'jwt_secret'")


def main():
    secrets = {PASSWORD}
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(tmp)
        url = server.start()
        trace_path = os.path.join(tmp, 'trace.jsonl')
        har_path = os.path.join(tmp, 'exchanges.har')
        output = os.path.join(tmp, 'app-output.txt')
        env = dict(os.environ, G_MESSAGES_DEBUG='all')
        env.pop('NO_AT_BRIDGE', None)
        env.pop('GTK_A11Y', None)
        with open(output, 'w') as out:
            app_process = subprocess.Popen([os.environ['AUTHFLOW_BIN'], '--server', url,
                                            '--trace', trace_path, '--har', har_path],
                                           env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            run(server, url, Trace(trace_path), secrets, app_process)
        finally:
            t.stop(app_process)
            server.stop()

        check_secrets(trace_path, har_path, output, secrets)
    t.finish()


def run(server, url, trace, secrets, app_process):
    app = t.wait_for('the app', lambda: t.find_app('authflow', app_process.pid))
    window = t.wait_for('Log In', lambda: t.find(app, 'frame', 'Log In'))

    # The start: the keyring asked, nothing there, Log In.
    seq = in_order(trace, 0,
                   ('the keyring read', lambda e: is_('keyring', 'load')(e) and e.get('step') == 'restore'),
                   ('signed out', is_('session', 'state', to='signed-out')),
                   ('Log In shown', is_('navigation', 'page', page='log-in')))
    load = next(e for e in trace.entries if is_('keyring', 'load')(e))
    if load['details'].get('outcome') != 'nothing-stored' or load.get('durationMs') is None:
        t.fail(f'the first keyring read: {load["details"]}')
    t.ok('the start: an empty keyring read in the restore step, signed out, Log In')

    # Sign up: an API Call, then Log in with its answer.
    log_in_page = t.find(app, 'panel', 'Log In')
    t.press(log_in_page, 'Sign Up')
    t.wait_for('Sign Up', lambda: window.name == 'Sign Up')
    page = t.find(app, 'panel', 'Sign Up')
    t.type_into(page, 'Username', USERNAME)
    t.type_into(page, 'Email', EMAIL)
    t.type_into(page, 'Password', PASSWORD)
    t.press(page, 'Create Account')
    mark = seq
    seq = in_order(trace, seq,
                   ('the signup exchange', exchange('signup', 201)),
                   ('its mapping', lambda e: is_('mapping', 'answer', call='signup')(e) and e.get('step') == 'Log in'),
                   ('signed in', is_('session', 'state', to='signed-in')),
                   ('Home shown', is_('navigation', 'page', page='home')))
    signup = next(e for e in trace.since(mark) if exchange('signup', 201)(e))
    request = signup['details']['request']
    if request['method'] != 'POST' or not request['url'].endswith('/auth/signup'):
        t.fail(f'the signup request: {request["method"]} {request["url"]}')
    if '"password":"[redacted]"' not in request['body']['text'].replace(' ', ''):
        t.fail(f'the signup body keeps no redacted password: {request["body"]}')
    if signup.get('step') != 'API Call' or signup['details']['timings']['totalMs'] < 0:
        t.fail(f'the signup exchange: {signup.get("step")}, {signup["details"]["timings"]}')
    mapping = next(e for e in trace.since(mark) if is_('mapping', 'answer', call='signup')(e))
    props = mapping['details']['properties']
    for name in ('token', 'refreshToken', 'expiry', 'uid'):
        if 'path' not in props.get(name, {}) or 'value' not in props[name]:
            t.fail(f'the mapping of {name}: {props.get(name)}')
    claims = props['token']['value']['jwt']['claims']
    if claims.get('username') != USERNAME:
        t.fail(f'the token’s decoded claims: {claims}')
    trace.wait('the session saved', lambda e: is_('keyring', 'save', outcome='ok')(e), after=mark)
    t.wait_for('Home', lambda: window.name == 'Home')
    secrets |= t.wait_for('the session in the keyring', lambda: stored_tokens(url))
    t.ok('sign up: the exchange (password redacted), the mapping of every property with the '
         'token’s claims, signed in, saved, Home')

    # Log out: the server told, the keyring emptied, Log In.
    home = t.find(app, 'panel', 'Home')
    mark = seq
    t.press(home, 'Log Out')
    # Signed out at once; the server's logout and the keyring's removal go
    # on behind.
    seq = in_order(trace, seq,
                   ('signed out', lambda e: is_('session', 'state', to='signed-out')(e) and e.get('step') == 'Log Out'),
                   ('Log In shown', is_('navigation', 'page', page='log-in')))
    seq = max(seq,
              trace.wait('the logout exchange', exchange('logout', 200), after=mark)['seq'],
              trace.wait('the session removed',
                         lambda e: is_('keyring', 'remove', outcome='ok')(e) and e.get('step') == 'Log Out',
                         after=mark)['seq'])
    t.wait_for('Log In', lambda: window.name == 'Log In')
    t.ok('log out: the exchange, signed out, the keyring item removed in the Log Out step, Log In')

    # Log in again.
    page = t.find(app, 'panel', 'Log In')
    t.type_into(page, 'Username', USERNAME)
    t.type_into(page, 'Password', PASSWORD)
    t.press(page, 'Log In')
    seq = in_order(trace, seq,
                   ('the login exchange', exchange('login', 200)),
                   ('its mapping', lambda e: is_('mapping', 'answer', call='login')(e) and e.get('step') == 'Log in'),
                   ('signed in', is_('session', 'state', to='signed-in')),
                   ('Home shown', is_('navigation', 'page', page='home')))
    t.wait_for('Home', lambda: window.name == 'Home')
    secrets |= t.wait_for('the new session in the keyring', lambda: stored_tokens(url) - secrets or None)
    t.ok('log in: the exchange, the mapping, signed in, Home')

    # The server restarts with a new signing key: the access token the app
    # holds is refused. Twenty calls at once share one refresh.
    server.stop()
    server.rotate_signing_key()
    server.start(access_ttl=SHORT_TTL)
    mark = trace.mark()
    activate('api-calls', N_CALLS)
    finished = trace.wait('the refresh to finish', is_('token', 'refresh-finished'), after=mark)
    t.wait_for(f'{N_CALLS} retries answered',
               lambda: len([x for x in trace.since(mark) if exchange('me', 200, retry=True)(x)]) >= N_CALLS)
    done = [x for x in trace.since(mark) if exchange('me', 200, retry=True)(x)][N_CALLS - 1]
    burst = [e for e in trace.since(mark) if e['seq'] <= done['seq']]
    refused = [e for e in burst if exchange('me', 401, retry=False)(e)]
    started = [e for e in burst if is_('token', 'refresh-started')(e)]
    refreshes = [e for e in burst if exchange('refresh')(e)]
    waiting = [e for e in burst if is_('token', 'waiting')(e)]
    retries = [e for e in burst if is_('token', 'retry')(e)]
    retried = [e for e in burst if exchange('me', 200, retry=True)(e)]
    def fail(message):
        for entry in burst:
            print(f'# {entry["seq"]} {entry["kind"]}/{entry["event"]}: {entry["summary"]}')
        t.fail(message)
    if len(refused) != N_CALLS:
        fail(f'{len(refused)} calls answered 401, not {N_CALLS}')
    if len(started) != 1 or started[0]['details'].get('trigger') != '401':
        fail(f'refreshes started: {[e["details"] for e in started]}')
    if len(refreshes) != 1 or refreshes[0]['details']['response']['status'] != 200:
        fail(f'{len(refreshes)} refresh exchanges')
    if finished['details'].get('outcome') != 'renewed':
        fail(f'the refresh finished with {finished["details"]}')
    if len(waiting) != N_CALLS or max(e['details']['waiters'] for e in waiting) != N_CALLS:
        fail(f'{len(waiting)} waiting entries: {[e["details"] for e in waiting][:3]}…')
    if len(retries) != N_CALLS or len(retried) != N_CALLS:
        fail(f'{len(retries)} retries said, {len(retried)} retried exchanges')
    if not (min(e['seq'] for e in refused) < started[0]['seq'] < finished['seq'] < min(e['seq'] for e in retried)):
        fail('the refresh did not come between the first 401 and the retries')
    authorization = [h['value'] for h in refused[0]['details']['request']['headers']
                     if h['name'].lower() == 'authorization']
    if len(authorization) != 1 or '…' not in authorization[0]:
        fail(f'the Authorization header, as kept: {authorization}')
    t.ok(f'{N_CALLS} calls on a refused token: {N_CALLS} answers 401, one refresh started by a 401 '
         f'with {N_CALLS} waiters, then {N_CALLS} retries answered 200')
    secrets |= t.wait_for('the renewed session in the keyring', lambda: stored_tokens(url) - secrets or None)

    # The renewed tokens live SHORT_TTL seconds: renewed ahead of expiry.
    mark = trace.mark()
    expiry = trace.wait('the new expiry', is_('token', 'expiry'), after=started[0]['seq'])
    if expiry['details'].get('source') not in ('answer', 'jwt'):
        t.fail(f'the expiry’s source: {expiry["details"]}')
    trace.wait('the next refresh scheduled', is_('token', 'scheduled'), after=finished['seq'])
    ahead = trace.wait('a refresh ahead of expiry', is_('token', 'refresh-started', trigger='ahead-of-expiry'),
                       after=mark, timeout=SHORT_TTL + 15)
    renewed = trace.wait('it to finish', is_('token', 'refresh-finished', outcome='renewed'), after=ahead['seq'])
    secrets |= stored_tokens(url)
    t.ok('a refresh ahead of expiry, with the expiry, its source and the schedule said')

    # The server goes away and comes back: offline, backoff, online.
    server.stop()
    mark = trace.mark()
    activate('api-call')
    offline = trace.wait('offline', is_('connectivity', 'offline'), after=mark, timeout=SHORT_TTL + 15)
    failed = [e for e in trace.since(mark) if e['kind'] == 'http' and e['details'].get('error')]
    if not failed or 'response' in failed[0]['details']:
        t.fail('no failed exchange before going offline')
    if offline['details'].get('backoffS', 0) <= 0:
        t.fail(f'offline without a backoff: {offline["details"]}')
    server.start()
    online = trace.wait('back online', is_('connectivity', 'online'), after=offline['seq'], timeout=90)
    secrets |= t.wait_for('the session in the keyring', lambda: stored_tokens(url))
    t.ok(f'the server gone: a failed exchange, offline with a backoff of {offline["details"]["backoffS"]} s; '
         f'back online {online["monotonic"] - offline["monotonic"]} µs later')

    # Edit Profile: an API Call, then Update Authenticated User.
    home = t.find(app, 'panel', 'Home')
    t.press(home, 'Edit Profile')
    dialog = t.wait_for('Edit Profile', lambda: t.find(app, 'frame', 'Edit Profile'))
    t.type_into(dialog, 'First Name', 'Trace')
    mark = trace.mark()
    t.press(dialog, 'Save')
    in_order(trace, mark,
             ('the update exchange', exchange('update_user', 200)),
             ('its mapping', lambda e: is_('mapping', 'answer', call='update_user')(e)
              and e.get('step') == 'Update Authenticated User'),
             ('the session saved', is_('keyring', 'save', outcome='ok')))
    secrets |= stored_tokens(url)
    t.ok('edit profile: the exchange, Update Authenticated User, saved')

    # Faults injected over D-Bus, as `gapplication action … inject-fault`
    # does: each is marked in the trace, and what the server really
    # answered is not.
    mark = trace.mark()
    activate('inject-fault', "'nonsense'")
    activate('inject-fault', "'invalidate-token'")
    trace.wait('the injection', is_('fault', 'injected', fault='invalidate-token', injected=True), after=mark)
    activate('api-call')
    refused = trace.wait('the tampered call refused, for real',
                         lambda e: (exchange('me', 401)(e) and e['details'].get('injected') is True
                                    and e['details'].get('faults') == ['invalidate-token']
                                    and '[injected: invalidate-token]' in e['summary']
                                    and 'injected' not in e['details']['response']),
                         after=mark)
    trace.wait('the call sent again, not injected',
               lambda e: exchange('me', 200, retry=True)(e) and 'injected' not in e['details'],
               after=refused['seq'])
    mark = trace.mark()
    activate('inject-fault', "'server-error:503:1:1'")
    activate('api-call')
    made_up = trace.wait('a made-up 503',
                         lambda e: (e['kind'] == 'http' and (e['details'].get('response') or {}).get('status') == 503
                                    and e['details'].get('injected') is True
                                    and e['details']['response'].get('injected') is True
                                    and 'made up without sending the call' in e['summary']),
                         after=mark)
    trace.wait('offline after it', is_('connectivity', 'offline'), after=made_up['seq'])
    trace.wait('back online', is_('connectivity', 'online'), after=made_up['seq'], timeout=60)
    t.ok('faults over D-Bus: an unknown one ignored; a tampered token refused by the server and the call '
         'sent again; a made-up 503, offline, back online; each marked as injected')

    # Log out, and quit: the HAR is written on the way out.
    mark = trace.mark()
    t.press(home, 'Log Out')
    trace.wait('signed out', is_('session', 'state', to='signed-out'), after=mark)
    trace.wait('the logout exchange', exchange('logout', 200), after=mark)
    trace.wait('the session removed', is_('keyring', 'remove', outcome='ok'), after=mark)
    activate('quit')
    try:
        app_process.wait(30)
    except subprocess.TimeoutExpired:
        t.fail('the app did not quit')
    trace.read()
    t.ok(f'log out and quit; the trace holds {len(trace.entries)} entries of '
         f'{len({e["kind"] for e in trace.entries})} kinds')

    kinds = {e['kind'] for e in trace.entries}
    missing = {'http', 'mapping', 'token', 'keyring', 'session', 'navigation', 'connectivity', 'fault'} - kinds
    if missing:
        t.fail(f'no entries of kind {missing}')
    fingerprints = {fingerprint(s) for s in secrets if s != PASSWORD}
    text = open(trace.path, encoding='utf-8').read()
    seen = [f for f in fingerprints if f in text]
    if not seen:
        t.fail('not one token’s fingerprint is in the trace: the search for tokens would prove nothing')
    t.ok(f'every kind is in the trace, and {len(seen)} of the {len(fingerprints)} tokens seen in the '
         'keyring by their fingerprints')


JWT = re.compile(r'eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}')


def check_secrets(trace_path, har_path, output, secrets):
    har = json.load(open(har_path, encoding='utf-8'))
    if har['log']['version'] != '1.2' or not har['log']['entries']:
        t.fail(f'the HAR export: version {har["log"].get("version")}, {len(har["log"]["entries"])} entries')
    exchanges = [json.loads(line) for line in open(trace_path, encoding='utf-8')]
    exchanges = [e for e in exchanges if e['kind'] == 'http']
    if len(har['log']['entries']) != len(exchanges):
        t.fail(f'{len(har["log"]["entries"])} HAR entries for {len(exchanges)} exchanges in the trace')
    for entry in har['log']['entries']:
        for member in ('startedDateTime', 'time', 'request', 'response', 'cache', 'timings'):
            if member not in entry:
                t.fail(f'a HAR entry without {member}')
    injected = [e for e in har['log']['entries'] if e.get('_injected')]
    if len(injected) < 2 or any(not e.get('_faults') for e in injected):
        t.fail(f'{len(injected)} HAR entries marked as injected, with their faults')
    t.ok(f'the HAR export is HAR 1.2 with the {len(exchanges)} exchanges of the trace, '
         f'{len(injected)} of them marked as injected')

    searched = {'the trace': trace_path, 'the HAR export': har_path, 'what the app printed': output}
    spellings = set()
    for secret in secrets:
        spellings |= {secret, json.dumps(secret)[1:-1]}
        spellings.add(urllib.parse.quote(secret, safe=''))
    for what, path in searched.items():
        data = open(path, encoding='utf-8', errors='replace').read()
        for spelling in spellings:
            if spelling and spelling in data:
                t.fail(f'a secret is in {what}')
        if JWT.search(data):
            t.fail(f'a whole JWT is in {what}')
    t.ok(f'none of {len(secrets)} secrets (the password and every token the keyring held), nor any '
         'whole JWT, is in the trace, the HAR export or what the app printed')


if __name__ == '__main__':
    main()
