#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# `authflow check` as a person or a script runs it: the real binary, with no
# display, against the real reference server. Between the two sits a relay
# on 127.0.0.1 that passes every exchange on unchanged and notes every token
# the server hands out, so that the test knows them all and can look for
# them in what the check printed, with every debug message on. It checks
# the lines and their columns, the JSON report, the exit status (0, 1 for a
# failed item, 2 for a usage error) and that a password given on standard
# input or in a file, or refused on the command line, is printed nowhere.

import http.client
import http.server
import json
import os
import re
import subprocess
import sys
import tempfile
import threading

AUTHFLOW = os.environ['AUTHFLOW_BIN']
SERVER = os.environ['AUTHFLOW_SERVER_BIN']
PASSWORD = 'emilyspass'
ITEMS = ['server', 'tls', 'clock', 'sign-up', 'login', 'jwt', 'refresh-token', 'expiry', 'uid', 'user-data',
         'me', 'bad-token', 'update-user', 'refresh', 'refresh-rotation', 'logout', 'error-message']

results = []


def check(ok, name, detail=''):
    results.append((bool(ok), name, detail))
    print(('ok' if ok else 'not ok') + ' %d - %s' % (len(results), name))
    if not ok and detail:
        for line in str(detail).splitlines():
            print('# ' + line)
    sys.stdout.flush()


tokens = set()


def note_tokens(value):
    """Every string in the answer under a name that says token."""
    if isinstance(value, dict):
        for key, member in value.items():
            if isinstance(member, str) and 'token' in key.lower() and len(member) >= 16:
                tokens.add(member)
            else:
                note_tokens(member)
    elif isinstance(value, list):
        for member in value:
            note_tokens(member)


class Relay(http.server.BaseHTTPRequestHandler):
    upstream = None

    def relay(self):
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ('host', 'connection')}
        connection = http.client.HTTPConnection(*self.upstream, timeout=30)
        connection.request(self.command, self.path, body=body, headers=headers)
        answer = connection.getresponse()
        data = answer.read()
        try:
            note_tokens(json.loads(data))
        except ValueError:
            pass
        # The server's own status line and headers, Date included.
        self.send_response_only(answer.status, answer.reason)
        for key, value in answer.getheaders():
            if key.lower() not in ('content-length', 'transfer-encoding', 'connection'):
                self.send_header(key, value)
        self.send_header('Content-Length', str(len(data)))
        self.send_header('Connection', 'close')
        self.end_headers()
        self.wfile.write(data)
        connection.close()

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = relay

    def log_message(self, *args):
        pass


def start_server(tmp):
    process = subprocess.Popen([SERVER, '--db', os.path.join(tmp, 'server.db'), '--port', '0'],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()
    match = re.search(r'Listening on http://([0-9.]+):([0-9]+)', line)
    if not match:
        process.kill()
        raise RuntimeError('the server did not start: %r' % line)
    # The server logs a line a request; nobody needs to read them.
    threading.Thread(target=lambda: process.stdout.read(), daemon=True).start()
    return process, (match.group(1), int(match.group(2)))


def run(args, stdin=None):
    env = dict(os.environ)
    # No display at all: the check must not need one.
    env.pop('DISPLAY', None)
    env.pop('WAYLAND_DISPLAY', None)
    env['G_MESSAGES_DEBUG'] = 'all'
    env['LC_ALL'] = 'C.UTF-8'
    env.pop('LANGUAGE', None)
    done = subprocess.run([AUTHFLOW, 'check'] + args, input=stdin, capture_output=True, text=True,
                          env=env, timeout=60)
    outputs.append(done.stdout + done.stderr)
    return done


outputs = []


def item_lines(stdout):
    return [line for line in stdout.splitlines() if re.match(r'^(pass|warning|fail|skipped) ', line)]


def main():
    with tempfile.TemporaryDirectory() as tmp:
        server, upstream = start_server(tmp)
        Relay.upstream = upstream
        relay = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Relay)
        threading.Thread(target=relay.serve_forever, daemon=True).start()
        url = 'http://127.0.0.1:%d' % relay.server_address[1]
        password_file = os.path.join(tmp, 'password')
        with open(password_file, 'w') as f:
            f.write(PASSWORD + '\n')
        wrong_file = os.path.join(tmp, 'wrong')
        with open(wrong_file, 'w') as f:
            f.write('not-' + PASSWORD + '\n')

        try:
            test_text(url)
            test_json(url, password_file)
            test_sign_up(url)
            test_failed(url, wrong_file)
            test_usage(url)
            test_redacted()
        finally:
            relay.shutdown()
            server.terminate()
            server.wait(10)

    failed = [r for r in results if not r[0]]
    print('1..%d' % len(results))
    return 1 if failed else 0


def test_text(url):
    done = run(['--server', url, '--username', 'emilys', '--password-stdin'], stdin=PASSWORD + '\n')
    lines = done.stdout.splitlines()
    check(done.returncode == 0, 'a sound backend: exit status 0', done.stdout + done.stderr)
    check(lines and lines[0] == 'Checking Reference server (reference) at %s as “emilys”' % url,
          'the first line says what is checked, where, as whom', lines[:1])
    items = item_lines(done.stdout)
    check([re.split(r' +', line)[1] for line in items] == ITEMS, 'one line per item, in order', '\n'.join(items))
    # The columns: the state in 9, the id in 18, then the title.
    check(all(re.match(r'^(pass|skipped) +[a-z-]+ +[A-Z]', line) and line[9] != ' ' and line[8] == ' ' and
              line[26] == ' ' and line[27] != ' ' for line in items),
          'the state, id and title line up in columns', '\n'.join(items))
    check(all(line.startswith('pass ') for line in items if ' sign-up ' not in line),
          'every item passes against the reference server', '\n'.join(items))
    check(any(re.match(r'^skipped  sign-up +Sign-up creates a user: Not asked: --sign-up creates a throw-away '
                       r'user on the server$', line) for line in items), 'sign-up is skipped unless asked')
    check(lines[-1] == '16 items passed, 0 warnings, 0 failures, 1 skipped', 'the last line sums up', lines[-1:])
    check('\033[' not in done.stdout, 'no colour when the output is not a terminal')
    check('display' not in done.stderr.lower() and 'Gtk' not in done.stderr,
          'no display is needed, and GTK says nothing', done.stderr)


def test_json(url, password_file):
    done = run(['--server', url, '--username', 'emilys', '--password-file', password_file, '--json'])
    check(done.returncode == 0, '--json: exit status 0', done.stderr)
    try:
        report = json.loads(done.stdout)
    except ValueError as error:
        check(False, '--json prints valid JSON', '%s\n%s' % (error, done.stdout))
        return
    check(True, '--json prints valid JSON')
    check(report['version'] == 1 and report['outcome'] == 'pass' and report['backend']['url'] == url and
          report['username'] == 'emilys', 'the report names the backend and the outcome', report)
    check([i['id'] for i in report['items']] == ITEMS and
          all(i['state'] == 'pass' for i in report['items'] if i['id'] != 'sign-up'),
          'every item is in the report with its state', [(i['id'], i['state']) for i in report['items']])
    check(report['counts'] == {'pass': 16, 'warning': 0, 'fail': 0, 'skipped': 1}, 'the counts', report['counts'])
    check(not any(line.startswith('Checking ') for line in done.stdout.splitlines()),
          'nothing but the JSON on standard output')


def test_sign_up(url):
    done = run(['--server', url, '--sign-up'])
    items = item_lines(done.stdout)
    check(done.returncode == 0 and all(line.startswith('pass ') for line in items),
          '--sign-up without credentials: every item passes, as the user signed up', done.stdout)
    check(any(re.search(r'created “authflow-check-[0-9a-f]{8}”, who stays on the server$', line) for line in items),
          'the throw-away user is named as such', '\n'.join(items))


def test_failed(url, wrong_file):
    done = run(['--server', url, '--username', 'emilys', '--password-file', wrong_file])
    items = item_lines(done.stdout)
    check(done.returncode == 1, 'a failed item: exit status 1', done.stdout)
    login = [line for line in items if ' login ' in line]
    check(login and re.match(r'^fail     login +Login returns an access token: Logging in as “emilys” failed: '
                             r'HTTP 400 in [0-9]+ m?s: Invalid credentials$', login[0]),
          'the failure says what the server answered', login)
    advice = done.stdout.splitlines()[done.stdout.splitlines().index(login[0]) + 1] if login else ''
    check(advice == ' ' * 27 + 'Advice: Check the username and password (--username, --password-file or '
          '--password-stdin), and the profile’s login call (its path and body) against what the server expects',
          'the advice follows, under the title', advice)

    done = run(['--server', 'http://127.0.0.1:1', '--username', 'emilys', '--password-file', wrong_file])
    check(done.returncode == 1 and 'fail     server ' in done.stdout, 'a server that is not there: exit status 1',
          done.stdout)


def test_usage(url):
    secret = 'hunter2-on-the-command-line'
    for args, stdin, expected, name in [
        (['--server', url, '--username', 'emilys', '--password', secret], None,
         '--password is not an option: a password on the command line can be read by every user of this machine',
         '--password is refused, saying why'),
        (['--server', url, '--username', 'emilys', '--password=' + secret], None,
         '--password is not an option', '--password=… is refused too'),
        (['--backend', 'nope'], None, 'There is no backend “nope”. The backends are: reference, dummyjson',
         'an unknown backend'),
        (['--backend', 'dummyjson'], None, 'Whom should the check log in as? DummyJSON has no demo user',
         'another backend than the reference needs credentials'),
        (['--password-stdin'], PASSWORD, 'A password needs --username', 'a password without a username'),
        (['--username', 'emilys', '--server', url], '', '--username needs its password',
         'a username without a password, and no terminal to ask on'),
        (['--server', 'ftp://example.com'], None, '“ftp://example.com” is not an http:// or https:// URL',
         'a URL that is not http or https'),
        (['--bogus'], None, 'Unknown option --bogus', 'an unknown option'),
        (['extra'], None, '“extra” is not an option of authflow check', 'a stray argument'),
    ]:
        done = run(args, stdin)
        # What the person reads: stderr without GLib's debug messages.
        said = '\n'.join(line for line in done.stderr.splitlines() if not re.match(r'^\(authflow check:[0-9]+\)', line))
        check(done.returncode == 2 and said.startswith('authflow check: ' + expected) and
              said.endswith('Run “authflow check --help” to see the options.') and done.stdout == '',
              'usage error, exit status 2: ' + name, '%d\n%s%s' % (done.returncode, done.stdout, done.stderr))
        check(secret not in done.stdout + done.stderr, 'the refused password is not echoed: ' + name)

    done = run(['--help'])
    check(done.returncode == 0 and '--password-file' in done.stdout and '--password ' not in done.stdout,
          '--help lists the options, and no --password', done.stdout)


def test_redacted():
    check(len(tokens) >= 10, 'the relay saw the tokens the server issued (%d)' % len(tokens))
    everything = '\n'.join(outputs)
    leaked = [t for t in tokens if t in everything]
    check(not leaked, 'no token the server issued is in any output, debug messages included',
          '%d leaked' % len(leaked))
    check(PASSWORD not in everything and 'not-' + PASSWORD not in everything,
          'the password, from standard input or a file, is in no output')
    check('-DEBUG: ' in everything, 'debug messages were on, and printed')


if __name__ == '__main__':
    sys.exit(main())
