#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The whole flow by keyboard alone, as a person who uses no mouse: real key
# presses (XTest, through AT-SPI) into the real `authflow` binary against the
# real reference server. AT-SPI is used only to read what is on screen.
# Run by meson inside build-aux/headless-run, whose Xvfb has no window
# manager: keyboard focus follows the pointer, so the pointer is put over
# the window once, and nothing is clicked.

import time

import atspi_util as t
import pyatspi

RETURN, TAB, ESCAPE, SPACE, F10 = 0xff0d, 0xff09, 0xff1b, 0x20, 0xffc7
# Modifiers are held by key code (Xvfb's evdev keymap), the rest sent by
# key symbol.
CONTROL, SHIFT, ALT = 37, 50, 64


def key(keysym, *modifiers):
    for modifier in modifiers:
        pyatspi.Registry.generateKeyboardEvent(modifier, None, pyatspi.KEY_PRESS)
    pyatspi.Registry.generateKeyboardEvent(keysym, None, pyatspi.KEY_SYM)
    for modifier in reversed(modifiers):
        pyatspi.Registry.generateKeyboardEvent(modifier, None, pyatspi.KEY_RELEASE)
    time.sleep(0.05)


def type_text(text):
    for character in text:
        pyatspi.Registry.generateKeyboardEvent(ord(character), None, pyatspi.KEY_SYM)
        time.sleep(0.01)


def chars(node):
    return node.queryText().characterCount


def main():
    t.run_against_server(run)


def run(app_process):
    app = t.wait_for('Authflow on the accessibility bus', lambda: t.find_app('authflow'))
    window = t.wait_for('the Log In window', lambda: t.find(app, 'frame', 'Log In'))
    pyatspi.Registry.generateMouseEvent(120, 200, pyatspi.MOUSE_ABS)
    time.sleep(0.5)

    # Log In starts on the username; Enter moves on, Enter logs in.
    log_in = t.find(app, 'panel', 'Log In')
    username = t.find(log_in, 'text', 'Username')
    password = t.find(log_in, 'text', 'Password')
    type_text('emilys')
    t.wait_for('the username to be typed', lambda: chars(username) == 6)
    key(RETURN)
    type_text('emilyspass')
    t.wait_for('the password to be typed', lambda: chars(password) == 10)
    t.ok('typed the username, Enter, then the password, into the right fields')
    key(RETURN)
    t.wait_for('Home', lambda: window.name == 'Home')
    t.ok('Enter logs in: Home')

    # Home starts on Call Protected API.
    home = t.find(app, 'panel', 'Home')
    key(SPACE)
    t.wait_for('the protected call’s answer', lambda: t.find_label(home, lambda n: n.startswith('200 OK at ')))
    t.ok('Space on the first control calls the protected API')

    # Tab to Edit Profile; the dialog takes the keyboard; Enter saves.
    key(TAB)
    key(RETURN)
    dialog = t.wait_for('Edit Profile', lambda: t.find(app, 'frame', 'Edit Profile'))
    first_name = t.find(dialog, 'text', 'First Name')
    # The focused field has its text selected: typing replaces it.
    type_text('Em')
    t.wait_for('the new first name', lambda: chars(first_name) == 2)
    key(RETURN)
    t.wait_for('the dialog to close', lambda: t.find(app, 'frame', 'Edit Profile') is None)
    t.wait_for('the new name on Home', lambda: t.find(home, 'label', 'Em Johnson'))
    t.ok('Tab, Enter opens Edit Profile on the first name; typing and Enter saves it')

    # Focus is back on Edit Profile; Escape closes the dialog unsaved.
    key(RETURN)
    t.wait_for('Edit Profile', lambda: t.find(app, 'frame', 'Edit Profile'))
    key(ESCAPE)
    t.wait_for('the dialog to close', lambda: t.find(app, 'frame', 'Edit Profile') is None)
    t.ok('Escape closes Edit Profile')

    # F10 opens the main menu, Escape closes it.
    key(F10)
    t.wait_for('the main menu', lambda: pyatspi.findDescendant(
        app, lambda n: n.name == 'Keyboard Shortcuts' and n.getRoleName() == 'menu item'))
    key(ESCAPE)
    t.ok('F10 opens the main menu')

    # Ctrl+? opens the shortcuts window (built only now), Escape closes it.
    key(ord('?'), CONTROL)
    t.wait_for('the shortcuts window', lambda: t.find(app, 'frame', 'Keyboard Shortcuts'))
    key(ESCAPE)
    t.wait_for('the shortcuts window to close',
               lambda: t.find(app, 'frame', 'Keyboard Shortcuts') is None)
    t.ok('Ctrl+? opens the shortcuts window and Escape closes it')

    # Ctrl+comma opens Preferences, Escape closes them.
    key(ord(','), CONTROL)
    t.wait_for('Preferences', lambda: t.find(app, 'frame', 'Preferences'))
    key(ESCAPE)
    t.wait_for('Preferences to close', lambda: t.find(app, 'frame', 'Preferences') is None)
    t.ok('Ctrl+, opens Preferences and Escape closes them')

    # Ctrl+Shift+L logs out.
    key(ord('L'), CONTROL, SHIFT)
    t.wait_for('Log In', lambda: window.name == 'Log In')
    t.ok('Ctrl+Shift+L logs out')

    # Alt+S is Sign Up; Escape goes back.
    key(ord('s'), ALT)
    t.wait_for('Sign Up', lambda: window.name == 'Sign Up')
    key(ESCAPE)
    t.wait_for('Log In', lambda: window.name == 'Log In')
    t.ok('Alt+S opens Sign Up and Escape goes back to Log In')

    # Ctrl+Q quits.
    key(ord('q'), CONTROL)
    deadline = time.monotonic() + 10
    while app_process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    if app_process.returncode != 0:
        t.fail(f'Ctrl+Q did not quit cleanly: {app_process.returncode}')
    t.ok('Ctrl+Q quits')


if __name__ == '__main__':
    main()
