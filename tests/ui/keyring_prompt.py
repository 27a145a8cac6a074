#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Answers gnome-keyring's unlock prompt the way a person does: finds the
# real prompt window of gcr-prompter over AT-SPI, and presses Cancel, or
# types the password and presses Unlock.
#
#   keyring_prompt.py dismiss|unlock [--password P] [--delay SECONDS]
#
# Exits 0 once it answered, 1 if no prompt came within the time, 77 if
# pyatspi is missing. The tests of locked keyrings import it too.

import argparse
import sys
import time

try:
    import pyatspi
except ImportError:
    pyatspi = None

PROMPTER = 'gcr-prompter'


def find_prompt():
    """The prompt dialog on the screen, or None."""
    desktop = pyatspi.Registry.getDesktop(0)
    for app in desktop:
        if app is None or app.name != PROMPTER:
            continue
        for window in app:
            if window is not None and window.getRoleName() == 'dialog':
                return window
    return None


def find_button(dialog, name):
    return pyatspi.findDescendant(
        dialog, lambda n: n.getRoleName() == 'push button' and n.name == name)


def wait_for_prompt(timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            dialog = find_prompt()
            if dialog is not None and find_button(dialog, 'Cancel') is not None:
                return dialog
        except Exception:  # The tree changes while the prompt appears.
            pass
        time.sleep(0.1)
    return None


def wait_until_gone(timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if find_prompt() is None:
                return True
        except Exception:
            pass
        time.sleep(0.1)
    return False


def dismiss(dialog):
    find_button(dialog, 'Cancel').queryAction().doAction(0)


def unlock(dialog, password):
    # The first password field is the one shown; "Confirm:" is hidden when
    # an existing keyring is unlocked.
    field = pyatspi.findDescendant(
        dialog, lambda n: n.getRoleName() == 'password text' and
        n.getState().contains(pyatspi.STATE_SHOWING))
    if field is None:
        field = pyatspi.findDescendant(
            dialog, lambda n: n.getRoleName() == 'password text')
    field.queryEditableText().setTextContents(password)
    find_button(dialog, 'Unlock').queryAction().doAction(0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('answer', choices=['dismiss', 'unlock'])
    parser.add_argument('--password', default='')
    parser.add_argument('--delay', type=float, default=0)
    args = parser.parse_args()

    if pyatspi is None:
        print('keyring_prompt: pyatspi is not installed', file=sys.stderr)
        return 77

    dialog = wait_for_prompt()
    if dialog is None:
        print('keyring_prompt: no prompt appeared', file=sys.stderr)
        return 1

    print(f'keyring_prompt: the prompt "{dialog.name}" is up', flush=True)
    time.sleep(args.delay)
    if args.answer == 'dismiss':
        dismiss(dialog)
    else:
        unlock(dialog, args.password)

    if not wait_until_gone():
        print('keyring_prompt: the prompt did not go away', file=sys.stderr)
        return 1

    print(f'keyring_prompt: answered "{args.answer}"', flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
