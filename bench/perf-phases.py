#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: bench/perf-phases.py PERF_SCRIPT_TXT LAUNCH_JSON [TOP]
#
# Where a start's CPU goes, phase by phase, for bench/NOTES.md. Input: the
# output of `perf script -F comm,tid,time,ip,sym,dso` of a `perf record -k
# CLOCK_REALTIME --call-graph dwarf` of one start, and that start's figures
# from bench-launch (build-aux/bench --json, the last sample is taken), whose
# t0_realtime_us and X event times cut the run into phases: exec → mapped →
# page title → page's first frame → end. For each phase it prints the
# samples of each thread, and for the main thread the functions with the
# most samples inclusive (on the stack), its own, GTK's and its libraries'
# entry points alike, and the libraries with the most samples exclusive.

import collections
import json
import re
import sys

HEADER = re.compile(r'^(\S.*?)\s+(\d+)\s+(\d+\.\d+):\s*$')
FRAME = re.compile(r'^\s+[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$')


def read_samples(path):
    samples = []
    current = None
    with open(path, errors='replace') as f:
        for line in f:
            match = HEADER.match(line)
            if match:
                current = {'comm': match.group(1), 'tid': int(match.group(2)),
                           'time': float(match.group(3)), 'stack': []}
                samples.append(current)
                continue
            match = FRAME.match(line)
            if match and current is not None:
                sym, dso = match.group(1), match.group(2)
                sym = re.sub(r'\+0x[0-9a-f]+$', '', sym)
                if sym == '[unknown]':
                    sym = f'? ({dso.rsplit("/", 1)[-1]})'
                current['stack'].append((sym, dso.rsplit('/', 1)[-1]))
    return samples


def main():
    perf_txt, launch_json = sys.argv[1:3]
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 25
    with open(launch_json) as f:
        data = json.load(f)
    start = data['samples'][-1] if 'samples' in data else data
    t0 = start['t0_realtime_us'] / 1e6
    samples = [s for s in read_samples(perf_txt) if s['comm'] != 'perf' and s['time'] >= t0]
    if not samples:
        sys.exit('perf-phases: no sample after the launch')
    main_tid = min(s['tid'] for s in samples if s['comm'] == 'authflow')
    exec_at = min(s['time'] for s in samples if s['tid'] == main_tid)
    marks = [('exec → mapped', exec_at, t0 + start['mapped_ms'] / 1e3),
             ('mapped → page title', t0 + start['mapped_ms'] / 1e3, t0 + start['title_ms'] / 1e3),
             ('page title → page frame', t0 + start['title_ms'] / 1e3, t0 + start['frame_ms'] / 1e3),
             ('page frame → end', t0 + start['frame_ms'] / 1e3, float('inf'))]
    print(f'authflow started {1e3 * (exec_at - t0):.1f} ms after the launch (the wrapper\'s '
          f'own start); phases from the first sample of the main thread.')
    for name, begin, end in marks:
        phase = [s for s in samples if begin <= s['time'] < end]
        span = (min(end, max(s['time'] for s in samples)) - begin) * 1e3
        threads = collections.Counter(f'{s["comm"]}' if s['tid'] != main_tid else 'main'
                                      for s in phase)
        print()
        print(f'== {name}: {span:.1f} ms, samples: ' +
              ', '.join(f'{k} {v}' for k, v in threads.most_common()))
        main_samples = [s for s in phase if s['tid'] == main_tid]
        if not main_samples:
            continue
        inclusive = collections.Counter()
        exclusive_dso = collections.Counter()
        for s in main_samples:
            seen = set()
            for sym, dso in s['stack']:
                key = f'{sym} [{dso}]'
                if key not in seen:
                    seen.add(key)
                    inclusive[key] += 1
            if s['stack']:
                exclusive_dso[s['stack'][0][1]] += 1
        n = len(main_samples)
        print(f'  main thread, inclusive (of {n}):')
        for key, count in inclusive.most_common(top):
            print(f'    {100 * count / n:5.1f}%  {key}')
        print('  main thread, exclusive by library:')
        for dso, count in exclusive_dso.most_common(8):
            print(f'    {100 * count / n:5.1f}%  {dso}')


if __name__ == '__main__':
    main()
