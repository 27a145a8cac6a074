#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: bench/server-throughput.py [--quick] [--rounds N] [-d SECONDS]
#                                   [-w SECONDS] [-c CONNECTIONS] [--logins N]
#                                   [--build DIR] [--no-build] [--json FILE]
#                                   [--markdown] [--server PATH] [--server-arg ARG]…
#                                   [--perf PREFIX]
#
# The reference server's throughput beside the least a libsoup server can
# be (bench/bare-soup-server.c, a SoupServer that answers a fixed JSON of
# the same size and shape), on this machine, in the same run: requests per
# second and latency (p50, p99) under C (32) keep-alive connections in a
# closed loop, from bench/bench-http (bench/bench-http.c), for
#
#   GET /auth/me            each connection with the access token of a user
#                           of its own;
#   POST /auth/refresh      each connection rotating a refresh token of its
#                           own (the answer's token is the next request's);
#   GET /auth/me + logins   the same GET against the reference server while
#                           another bench-http keeps --logins (2) logins in
#                           flight the whole time, each an argon2id hash.
#
# Each round runs every kind against each server, the servers alternating
# and the order turned round every other round; --rounds (3) rounds of -d
# (5) seconds after -w (1) seconds of warm-up each. It prints medians over
# the rounds, the spread (min–max), the ratio to the bare SoupServer and
# the load average before and after. It asserts no figure: it exits with
# status 1 only if a request failed (an error, a non-2xx answer, a lost
# connection) or a program did not start.
#
# Both servers run on 127.0.0.1 with a fresh database in a temporary
# directory (on disk, with the server's own synchronous=FULL), without
# login limits, with their logs in that directory. The build is DIR
# (default _build-bench/, set up as a release build as build-aux/bench
# does); it is built first unless --no-build. --quick (for CI: keeps the
# benchmark working) is one round of 1 s after 0.5 s of warm-up.
# Only the Python standard library is used.

import argparse
import concurrent.futures
import http.client
import json
import os
import re
import signal
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASSWORD = 'bench-password'
START_TIMEOUT = 20

KINDS = (
    ('me', 'GET /auth/me'),
    ('refresh', 'POST /auth/refresh'),
    ('me-logins', 'GET /auth/me, {logins} logins in flight'),
)
SERVERS = (
    ('bare', 'bare SoupServer'),
    ('reference', 'authflow-server'),
)


def parse_args():
    parser = argparse.ArgumentParser(
        prog='bench/server-throughput.py',
        description='The reference server’s throughput beside a bare SoupServer’s.')
    parser.add_argument('--quick', action='store_true',
                        help='one round of 1 s after 0.5 s of warm-up (for CI)')
    parser.add_argument('--rounds', type=int, default=None, help='rounds (3)')
    parser.add_argument('-d', '--duration', type=float, default=None,
                        help='seconds measured per run (5)')
    parser.add_argument('-w', '--warmup', type=float, default=None,
                        help='seconds of warm-up before each run (1)')
    parser.add_argument('-c', '--connections', type=int, default=32,
                        help='connections at once (32)')
    parser.add_argument('--logins', type=int, default=2,
                        help='logins kept in flight during “GET /auth/me, logins” (2)')
    parser.add_argument('--kinds', default='me,refresh,me-logins',
                        help='what to run, among me, refresh and me-logins')
    parser.add_argument('--build', default=os.path.join(TOP, '_build-bench'),
                        help='build directory (default _build-bench, a release build)')
    parser.add_argument('--no-build', action='store_true', help='do not build first')
    parser.add_argument('--server', metavar='PATH',
                        help='another authflow-server binary to measure (default: the build’s)')
    parser.add_argument('--server-arg', action='append', default=[], metavar='ARG',
                        help='one more argument for authflow-server (for experiments)')
    parser.add_argument('--perf', metavar='PREFIX',
                        help='profile authflow-server during each of its runs with perf record '
                        '(call graphs from DWARF), into PREFIX-KIND-ROUND.data (for profiling)')
    parser.add_argument('--json', help='write every run’s figures to this file')
    parser.add_argument('--markdown', action='store_true',
                        help='print the table in Markdown, as in the README')
    args = parser.parse_args()
    if args.rounds is None:
        args.rounds = 1 if args.quick else 3
    if args.duration is None:
        args.duration = 1.0 if args.quick else 5.0
    if args.warmup is None:
        args.warmup = 0.5 if args.quick else 1.0
    args.build = os.path.abspath(args.build)
    args.kinds = [k for k in args.kinds.split(',') if k]
    for kind in args.kinds:
        if kind not in dict(KINDS):
            parser.error(f'unknown kind: {kind}')
    if args.json:
        args.json = os.path.abspath(args.json)
    if args.perf:
        args.perf = os.path.abspath(args.perf)
    if args.server:
        args.server = os.path.abspath(args.server)
    return args


def log(message):
    print(message, file=sys.stderr, flush=True)


def build(args):
    if not os.path.exists(os.path.join(args.build, 'build.ninja')):
        subprocess.run(['meson', 'setup', args.build, TOP, '--buildtype=release'],
                       check=True, stdout=subprocess.DEVNULL)
    subprocess.run(['ninja', '-C', args.build, '-j2',
                    'src/server/authflow-server', 'bench/bench-bare-soup-server',
                    'bench/bench-http'],
                   check=True, stdout=subprocess.DEVNULL)


def program(args, path):
    path = os.path.join(args.build, path)
    if not os.access(path, os.X_OK):
        sys.exit(f'server-throughput: {path} was not built')
    return path


def start(argv, log_path):
    log_file = open(log_path, 'w')
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=log_file, text=True)
    log_file.close()
    deadline = time.monotonic() + START_TIMEOUT
    line = process.stdout.readline()
    match = re.search(r'Listening on (http://\S+)', line)
    if not match or time.monotonic() > deadline:
        process.kill()
        process.wait()
        with open(log_path) as f:
            sys.stderr.write(f.read()[-2000:])
        sys.exit(f'server-throughput: {argv[0]} did not start: {line!r}')
    return process, match.group(1)


def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def call(url, method, path, body=None, token=None):
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    headers = {'Content-Type': 'application/json'}
    if token:
        headers['Authorization'] = f'Bearer {token}'
    try:
        connection.request(method, path, body=json.dumps(body) if body is not None else None,
                           headers=headers)
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    return response.status, data


def sign_up(url, i):
    username = f'bench-{i:02d}'
    status, data = call(url, 'POST', '/auth/signup', {
        'username': username, 'password': PASSWORD,
        'email': f'{username}@example.com', 'firstName': 'Bench', 'lastName': f'User {i:02d}',
    })
    if status != 201:
        sys.exit(f'server-throughput: the signup of {username} was answered {status}: {data!r}')
    answer = json.loads(data)
    return username, answer['accessToken'], answer['refreshToken']


def cpu_ticks(pid):
    try:
        with open(f'/proc/{pid}/stat') as f:
            fields = f.read().rsplit(')', 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def bench_http(args, url, kind, tokens_path, tmpdir, server_pid, perf_name=None):
    argv = [program(args, 'bench/bench-http'), '-c', str(args.connections),
            '-d', str(args.duration), '-w', str(args.warmup)]
    if kind == 'refresh':
        argv += ['--refresh', '/auth/refresh', '--tokens', tokens_path,
                 '--tokens-out', tokens_path + '.next']
    else:
        argv += ['--get', '/auth/me', '--tokens', tokens_path]
    argv.append(url)
    perf = None
    if args.perf and perf_name:
        # Only the measured seconds, after the warm-up.
        perf = subprocess.Popen(['sh', '-c', f'sleep {args.warmup}; exec perf record -q -F 999 '
                                 f'--call-graph dwarf,16384 -p {server_pid} '
                                 f'-o {args.perf}-{perf_name}.data -- sleep {args.duration}'],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ticks = cpu_ticks(server_pid)
    started = time.monotonic()
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    elapsed = time.monotonic() - started
    if perf is not None:
        perf.wait()
    ticks = cpu_ticks(server_pid) - ticks
    try:
        figures = json.loads(result.stdout)
    except ValueError:
        sys.exit(f'server-throughput: bench-http printed {result.stdout!r} {result.stderr!r}')
    if kind == 'refresh' and os.path.exists(tokens_path + '.next'):
        os.replace(tokens_path + '.next', tokens_path)
    figures['server_cpu'] = ticks / os.sysconf('SC_CLK_TCK') / elapsed
    figures['client_cpu'] = figures['client_cpu_s'] / figures['duration_s'] if figures['duration_s'] else 0
    return figures


def with_logins(args, url, username, tokens_path, tmpdir, server_pid, perf_name=None):
    """GET /auth/me while another bench-http keeps logins in flight."""
    body = json.dumps({'username': username, 'password': PASSWORD})
    logins = subprocess.Popen([program(args, 'bench/bench-http'), '-c', str(args.logins),
                               '-w', '0', '-d', str(args.warmup + args.duration + 60),
                               '--post', '/auth/login', '--body', body, url],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Long enough for the first logins to be hashing.
    time.sleep(0.3)
    try:
        figures = bench_http(args, url, 'me', tokens_path, tmpdir, server_pid, perf_name)
    finally:
        logins.send_signal(signal.SIGTERM)
        out, err = logins.communicate(timeout=30)
    try:
        login_figures = json.loads(out)
    except ValueError:
        sys.exit(f'server-throughput: the logins’ bench-http printed {out!r} {err!r}')
    figures['logins'] = login_figures
    return figures


def failures(figures):
    count = figures['errors'] + figures['non_2xx'] + figures['connections_lost']
    if 'logins' in figures:
        count += failures(figures['logins'])
    return count


def spread(values, fmt):
    return f'{fmt(statistics.median(values))} ({fmt(min(values))}–{fmt(max(values))})'


def report(args, runs, load_before, load_after):
    rps = lambda v: f'{v:,.0f}'.replace(',', ' ')
    ms = lambda v: f'{v:.2f}'
    pct = lambda v: f'{v * 100:.0f} %'
    rows = []
    medians = {}
    for kind, label in KINDS:
        for server, server_label in SERVERS:
            these = [r for r in runs if r['kind'] == kind and r['server'] == server]
            if not these:
                continue
            medians[(kind, server)] = statistics.median(r['rps'] for r in these)
            rows.append((kind, server, label.format(logins=args.logins), server_label, these))

    print(f'Server throughput: {args.connections} connections, {args.rounds} round(s) of '
          f'{args.duration:g} s after {args.warmup:g} s of warm-up, each kind against each '
          f'server in turn; build {args.build}.')
    print(f'Load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}; '
          f'after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f} '
          f'({os.cpu_count()} CPUs).')
    print('Median (min–max) over the rounds; × is the ratio of the median req/s to the bare '
          'SoupServer’s for the same call (for the logins, to authflow-server’s own without them).')
    print()
    header = ('Call', 'Server', 'req/s', 'p50, ms', 'p99, ms', 'ratio', 'server CPU', 'client CPU')
    lines = []
    for kind, server, label, server_label, these in rows:
        if kind == 'me-logins':
            reference = medians.get(('me', 'reference'))
        elif server == 'reference':
            reference = medians.get((kind, 'bare'))
        else:
            reference = None
        ratio = f'{medians[(kind, server)] / reference:.2f}×' if reference else ''
        lines.append((label, server_label,
                      spread([r['rps'] for r in these], rps),
                      spread([r['latency_ms']['p50'] for r in these], ms),
                      spread([r['latency_ms']['p99'] for r in these], ms),
                      ratio,
                      pct(statistics.median(r['server_cpu'] for r in these)),
                      pct(statistics.median(r['client_cpu'] for r in these))))
    if args.markdown:
        print('| ' + ' | '.join(header) + ' |')
        print('|' + '---|' * len(header))
        for line in lines:
            print('| ' + ' | '.join(line) + ' |')
    else:
        widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
        print('  '.join(h.ljust(widths[i]) for i, h in enumerate(header)))
        print('  '.join('-' * w for w in widths))
        for line in lines:
            print('  '.join(c.ljust(widths[i]) for i, c in enumerate(line)))
    print()
    login_runs = [r['logins'] for r in runs if 'logins' in r]
    if login_runs:
        print(f'Logins meanwhile: {spread([r["rps"] for r in login_runs], lambda v: f"{v:.1f}")} '
              f'per second, p50 {spread([r["latency_ms"]["p50"] for r in login_runs], ms)} ms.')
    errors = sum(failures(r) for r in runs)
    print(f'Requests that failed (errors, non-2xx, connections lost): {errors}.')
    print('server CPU: the server process’s CPU time over the run’s wall time (warm-up '
          'included; 100 % is one core); client CPU: bench-http’s own, over the measured '
          'seconds.')


def run(args, tmpdir):
    server_bin = args.server or program(args, 'src/server/authflow-server')
    bare_bin = program(args, 'bench/bench-bare-soup-server')
    program(args, 'bench/bench-http')
    processes = []
    runs = []
    try:
        argv = [server_bin, '--port', '0', '--db', os.path.join(tmpdir, 'authflow.db'),
                '--access-ttl', '86400', '--max-login-failures', '0',
                '--max-address-failures', '0'] + args.server_arg
        reference, reference_url = start(argv, os.path.join(tmpdir, 'authflow-server.log'))
        processes.append(reference)
        reference_pid = reference.pid

        log(f'server-throughput: authflow-server at {reference_url}; signing up '
            f'{args.connections} users…')
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            users = list(pool.map(lambda i: sign_up(reference_url, i), range(args.connections)))

        access_path = os.path.join(tmpdir, 'access-tokens')
        refresh_path = os.path.join(tmpdir, 'refresh-tokens')
        bare_refresh_path = os.path.join(tmpdir, 'bare-refresh-tokens')
        with open(access_path, 'w') as f:
            f.writelines(f'{access}\n' for _, access, _ in users)

        # The bare server answers with the reference server's own bodies.
        status, me_body = call(reference_url, 'GET', '/auth/me', token=users[0][1])
        status2, refresh_body = call(reference_url, 'POST', '/auth/refresh',
                                     {'refreshToken': users[0][2]})
        if status != 200 or status2 != 200:
            sys.exit(f'server-throughput: the reference server answered {status} and {status2}')
        users[0] = (users[0][0], users[0][1], json.loads(refresh_body)['refreshToken'])
        with open(refresh_path, 'w') as f:
            f.writelines(f'{refresh}\n' for _, _, refresh in users)
        shutil.copy(refresh_path, bare_refresh_path)
        for name, body in (('me.json', me_body), ('refresh.json', refresh_body)):
            with open(os.path.join(tmpdir, name), 'wb') as f:
                f.write(body)

        bare, bare_url = start([bare_bin, '--get-body', os.path.join(tmpdir, 'me.json'),
                                '--post-body', os.path.join(tmpdir, 'refresh.json')],
                               os.path.join(tmpdir, 'bare-soup-server.log'))
        processes.append(bare)
        pids = {'reference': reference_pid, 'bare': bare.pid}
        urls = {'reference': reference_url, 'bare': bare_url}

        for i in range(args.rounds):
            log(f'server-throughput: round {i + 1} of {args.rounds}…')
            order = [s for s, _ in SERVERS]
            if i % 2 == 1:
                order.reverse()
            for kind in args.kinds:
                if kind == 'me-logins':
                    figures = with_logins(args, reference_url, users[0][0], access_path,
                                          tmpdir, pids['reference'], f'{kind}-{i + 1}')
                    figures.update(kind=kind, server='reference', round=i)
                    runs.append(figures)
                    continue
                for server in order:
                    if kind == 'refresh':
                        tokens = refresh_path if server == 'reference' else bare_refresh_path
                    else:
                        tokens = access_path
                    figures = bench_http(args, urls[server], kind, tokens, tmpdir, pids[server],
                                         f'{kind}-{i + 1}' if server == 'reference' else None)
                    figures.update(kind=kind, server=server, round=i)
                    runs.append(figures)
                    if failures(figures):
                        log(f'server-throughput: {kind} against {server}: '
                            f'{figures["errors"]} errors, {figures["non_2xx"]} non-2xx '
                            f'(first {figures["first_non_2xx"]}), {figures["first_error"]}')
    finally:
        for process in processes:
            stop(process)
    return runs


def main():
    args = parse_args()
    if not args.no_build:
        build(args)
    load_before = os.getloadavg()
    tmpdir = tempfile.mkdtemp(prefix='authflow-throughput.')
    try:
        runs = run(args, tmpdir)
        load_after = os.getloadavg()
        if args.json:
            with open(args.json, 'w') as f:
                settings = dict(vars(args), load_before=load_before, load_after=load_after,
                                cpus=os.cpu_count())
                json.dump({'settings': settings, 'runs': runs}, f, indent=1)
        report(args, runs, load_before, load_after)
        if sum(failures(r) for r in runs):
            with open(os.path.join(tmpdir, 'authflow-server.log')) as f:
                sys.stderr.write(f.read()[-3000:])
            sys.exit(1)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


if __name__ == '__main__':
    main()
