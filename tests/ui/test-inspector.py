#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The Flow Inspector as an outside automation tool sees it: the real
# `authflow` binary against the real reference server, with `--trace` so
# that the journal can be counted from outside. It logs in, then opens the
# inspector (Ctrl+Shift+I), which shows the entries from before it opened;
# the HTTP filter keeps the exchanges alone; the login exchange, opened,
# says 200 and keeps the password redacted; Copy as curl copies a command
# without the password. Opening and closing the inspector adds nothing to
# the journal. Everything is found by its accessible name.
# Run by meson inside build-aux/headless-run, whose Xvfb has no window
# manager: keyboard focus follows the pointer.

import os
import re
import subprocess
import tempfile
import time

import atspi_util as t
import pyatspi

APP_ID = os.environ['AUTHFLOW_APP_ID']
PASSWORD = 'emilyspass'
ESCAPE, LETTER_I = 0xff1b, ord('I')
CONTROL, SHIFT = 37, 50

# Reads the clipboard as another program would: GTK in a process of its
# own, off the accessibility bus.
READ_CLIPBOARD = '''
import gi, sys
gi.require_version("Gdk", "4.0")
gi.require_version("Gtk", "4.0")
from gi.repository import Gdk, GLib, Gtk
Gtk.init()
loop = GLib.MainLoop()
out = []
def done(clipboard, result):
    out.append(clipboard.read_text_finish(result) or "")
    loop.quit()
Gdk.Display.get_default().get_clipboard().read_text_async(None, done)
GLib.timeout_add_seconds(10, loop.quit)
loop.run()
sys.stdout.write(out[0] if out else "")
'''


def key(keysym, *modifiers):
    for modifier in modifiers:
        pyatspi.Registry.generateKeyboardEvent(modifier, None, pyatspi.KEY_PRESS)
    pyatspi.Registry.generateKeyboardEvent(keysym, None, pyatspi.KEY_SYM)
    for modifier in reversed(modifiers):
        pyatspi.Registry.generateKeyboardEvent(modifier, None, pyatspi.KEY_RELEASE)
    time.sleep(0.05)


def activate(action):
    """An application action over D-Bus, as `gapplication action` does."""
    path = '/' + APP_ID.replace('.', '/')
    subprocess.run(['gdbus', 'call', '--session', '--dest', APP_ID, '--object-path', path,
                    '--method', 'org.gtk.Actions.Activate', action, '[]', '{}'],
                   check=True, capture_output=True)


def actions_of(node):
    try:
        action = node.queryAction()
    except NotImplementedError:
        return []
    return [action.getName(i) for i in range(action.nActions)]


PRESSABLE = ('push button', 'toggle button', 'check box', 'menu item', 'check menu item',
             'radio button', 'page tab')
NAMED = ('spin button', 'combo box', 'text', 'slider')
TYPE_NAME = re.compile(r'^(Gtk|Adw|Authflow)[A-Z]\w*$')


def doubled(name):
    """“Clear All Faults Clear All Faults”: a name said twice."""
    words = name.split()
    half = len(words) // 2
    return len(words) >= 2 and len(words) % 2 == 0 and words[:half] == words[half:]


def check_controls(root, where):
    """Every control has a name of its own and an action a test can invoke."""
    problems = []
    count = 0

    def visit(node):
        nonlocal count
        try:
            role, name = node.getRoleName(), node.name
        except Exception:
            return
        if role in PRESSABLE or role in NAMED:
            count += 1
            if not name or TYPE_NAME.match(name):
                problems.append(f'a {role} has no name of its own ({name!r})')
            elif doubled(name):
                problems.append(f'the {role} “{name}” says its name twice')
            elif re.search(r'(^|\s)_\w', name):
                problems.append(f'the {role} “{name}” shows its mnemonic’s underscore')
            elif role in PRESSABLE and not actions_of(node):
                problems.append(f'the {role} “{name}” has no action')
        for i in range(node.childCount):
            visit(node.getChildAtIndex(i))

    visit(root)
    if problems:
        t.fail(f'{where}: ' + '; '.join(problems))
    return count


def find_shallow(root, role, name):
    """Breadth first, and not into lists, where the timeline's rows are."""
    level = [root]
    for _ in range(12):
        below = []
        for node in level:
            for i in range(node.childCount):
                child = node.getChildAtIndex(i)
                if child is None:
                    continue
                if child.getRoleName() == role and child.name == name:
                    return child
                if child.getRoleName() not in ('list', 'list item', 'table', 'tree table'):
                    below.append(child)
        level = below
    return None


def do_action(node, name):
    action = node.queryAction()
    for i in range(action.nActions):
        if action.getName(i) == name:
            action.doAction(i)
            return
    t.fail(f'“{node.name}” has no action {name!r}')


def trace_lines(path):
    with open(path, encoding='utf-8') as f:
        return sum(1 for line in f if line.strip())


def settled(path):
    """The journal's length once the flow is quiet for a second."""
    n = -1
    while True:
        now = trace_lines(path)
        if now == n:
            return n
        n = now
        time.sleep(1)


def rows(inspector):
    """The timeline's rows on screen: each is named by its summary and has
    the action that opens it."""
    timeline = t.find(inspector, 'list', 'Timeline')
    found = []
    pyatspi.findAllDescendants(
        timeline, lambda n: n.getRoleName() == 'panel' and n.name and 'row.open' in actions_of(n)
        and found.append(n))
    return found


def row(inspector, prefix):
    return next((r for r in rows(inspector) if r.name.startswith(prefix)), None)


def count_label(inspector):
    return t.find_label(inspector, lambda name: re.match(r'^\d+( of \d+)? entr(y|ies)$', name))


def choose_filter(app, inspector, item):
    do_action(t.wait_for('the Filter button', lambda: pyatspi.findDescendant(
        inspector, lambda n: n.name == 'Filter' and 'menu-button.open' in actions_of(n))), 'menu-button.open')
    entry = t.wait_for(f'the “{item}” filter', lambda: pyatspi.findDescendant(
        app, lambda n: n.name == item and n.getRoleName() in ('check menu item', 'menu item', 'check box')))
    entry.queryAction().doAction(0)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        server, url = t.start_server(tmp)
        trace = os.path.join(tmp, 'trace.jsonl')
        env = dict(os.environ)
        env.pop('NO_AT_BRIDGE', None)
        env.pop('GTK_A11Y', None)
        app_process = subprocess.Popen([os.environ['AUTHFLOW_BIN'], '--server', url, '--trace', trace], env=env)
        try:
            run(app_process, trace)
        finally:
            t.stop(app_process)
            t.stop(server)
    t.finish()


def run(app_process, trace):
    app = t.wait_for('the app', lambda: t.find_app('authflow', app_process.pid))
    window = t.wait_for('Log In', lambda: t.find(app, 'frame', 'Log In'))
    pyatspi.Registry.generateMouseEvent(120, 200, pyatspi.MOUSE_ABS)
    page = t.find(app, 'panel', 'Log In')
    t.type_into(page, 'Username', 'emilys')
    t.type_into(page, 'Password', PASSWORD)
    t.press(page, 'Log In')
    t.wait_for('Home', lambda: window.name == 'Home')
    before = settled(trace)
    t.ok(f'logged in; the journal holds {before} entries')

    # Opened after the login, by its shortcut, it has every entry so far;
    # Escape closes it, and the inspector action opens it again.
    key(LETTER_I, CONTROL, SHIFT)
    inspector = t.wait_for('the Flow Inspector', lambda: t.find(app, 'frame', 'Flow Inspector'))
    label = t.wait_for('the count of entries', lambda: count_label(inspector))
    if label.name != f'{before} entries':
        t.fail(f'the inspector says “{label.name}”, the journal holds {before}')
    t.ok(f'Ctrl+Shift+I opens the window “Flow Inspector”; it says “{label.name}”, as the trace does')
    key(ESCAPE)
    t.wait_for('the inspector to close', lambda: t.find(app, 'frame', 'Flow Inspector') is None)
    activate('inspector')
    inspector = t.wait_for('the Flow Inspector again', lambda: t.find(app, 'frame', 'Flow Inspector'))
    t.wait_for('the Timeline', lambda: rows(inspector))
    t.ok('Escape closes it; the inspector action opens it again')

    # The HTTP filter keeps the exchanges alone: the login is among them.
    choose_filter(app, inspector, 'HTTP')
    t.wait_for('the filter to apply', lambda: re.match(r'^\d+ of \d+ entries$', count_label(inspector).name))
    shown = t.wait_for('the login exchange', lambda: row(inspector, 'POST /auth/login → 200') and rows(inspector))
    others = [r.name for r in shown if not re.match(r'^(GET|POST|PUT|PATCH|DELETE) /', r.name)]
    if others:
        t.fail(f'the HTTP filter shows {others}')
    t.ok(f'the HTTP filter keeps the exchanges alone ({len(shown)} on screen, the login among them) '
         f'(“{count_label(inspector).name}”)')

    choose_filter(app, inspector, 'HTTP')
    choose_filter(app, inspector, 'Tokens')
    t.wait_for('the login’s mapping', lambda: row(inspector, 'login answer → token, refresh token'))
    choose_filter(app, inspector, 'Tokens')
    t.wait_for('every entry again', lambda: count_label(inspector).name == f'{before} entries')
    t.ok('the Tokens filter shows the mapping of the login answer; without a filter, every entry again')

    # The login exchange, opened: its status, and the password as kept.
    choose_filter(app, inspector, 'HTTP')
    login = t.wait_for('the login exchange', lambda: row(inspector, 'POST /auth/login → 200'))
    do_action(login, 'row.open')
    t.wait_for('the status 200', lambda: t.find_label(inspector, lambda name: name == '200 OK'))
    t.wait_for('the redacted password', lambda: t.find_label(inspector, lambda name: name == '"[redacted]"'))
    if t.find_label(inspector, lambda name: PASSWORD in name):
        t.fail('the password is on screen')
    t.ok('the login exchange shows “200 OK” and the password as “[redacted]”, never itself')
    n = check_controls(inspector, 'the Flow Inspector')
    t.ok(f'the Flow Inspector with an exchange open: {n} controls, each with a name and an action')

    t.press(inspector, 'Copy as curl')
    # A toast lives a few seconds, and sits near the top of the tree: it is
    # looked for there, not after a walk through every row of the timeline
    # (which takes longer than the toast lives in a sanitized build).
    t.wait_for('the toast', lambda: find_shallow(inspector, 'label', 'Copied as curl'))
    env = dict(os.environ, GTK_A11Y='none', NO_AT_BRIDGE='1')
    copied = subprocess.run(['/usr/bin/python3', '-c', READ_CLIPBOARD], env=env, capture_output=True,
                            text=True, timeout=30).stdout
    if not copied.startswith('curl -X POST ') or '/auth/login' not in copied:
        t.fail(f'the clipboard holds {copied[:200]!r}')
    if PASSWORD in copied or '"$PASSWORD"' not in copied:
        t.fail(f'the command copied has no $PASSWORD in place of the password: {copied!r}')
    t.ok('“Copy as curl” says so in a toast, and copies a curl command with $PASSWORD for the password')

    # Closed with its Close button: the flow never knew it was there.
    t.press(inspector, 'Close')
    t.wait_for('the inspector to close', lambda: t.find(app, 'frame', 'Flow Inspector') is None)
    after = settled(trace)
    if after != before:
        t.fail(f'{before} entries before, {after} after opening and closing the inspector')
    activate('inspector')
    inspector = t.wait_for('the Flow Inspector again', lambda: t.find(app, 'frame', 'Flow Inspector'))
    label = t.wait_for('the count of entries', lambda: count_label(inspector))
    if label.name != f'{after} entries':
        t.fail(f'opened again, the inspector says “{label.name}”, the journal holds {after}')
    t.ok(f'with the inspector opened and closed three times, the journal still holds {after} entries')


if __name__ == '__main__':
    main()
