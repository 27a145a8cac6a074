#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Every control, as an outside UI automation tool sees it: the real
# `authflow` binary over AT-SPI, on each page and in each window (Log In,
# Sign Up, Home, Edit Profile, Preferences, Keyboard Shortcuts, the main
# menu). Each control must have one accessible name, the text a person
# sees, and an action a test can invoke; a text field must take text.
# Run by meson inside build-aux/headless-run.

import re

import atspi_util as t
import pyatspi

# Roles a person operates, and what a test needs of each.
PRESSABLE = ('push button', 'toggle button', 'check box', 'combo box', 'menu item',
             'radio button', 'switch', 'page tab')
TYPED = ('text', 'password text', 'entry')

# A name GTK makes up from a type when nothing names the widget.
TYPE_NAME = re.compile(r'^(Gtk|Adw|Authflow)[A-Z]\w*$')


def actions_of(node):
    try:
        action = node.queryAction()
    except NotImplementedError:
        return []
    return [action.getName(i) for i in range(action.nActions)]


def doubled(name):
    """“Persist Auth Sessions Persist Auth Sessions”: a name said twice."""
    words = name.split()
    half = len(words) // 2
    return len(words) >= 2 and len(words) % 2 == 0 and words[:half] == words[half:]


def visible_label(node):
    """The text of the one label inside a button, if it has one."""
    labels = []
    pyatspi.findAllDescendants(node, lambda n: n.getRoleName() == 'label' and n.name and labels.append(n.name))
    return labels[0] if len(labels) == 1 else None


def check_controls(root, where):
    problems = []
    count = 0

    def visit(node):
        nonlocal count
        try:
            role = node.getRoleName()
            name = node.name
        except Exception:
            return
        if role in PRESSABLE or role in TYPED:
            count += 1
            if not name or TYPE_NAME.match(name):
                problems.append(f'a {role} has no name of its own ({name!r})')
            elif doubled(name):
                problems.append(f'the {role} “{name}” says its name twice')
            if role in PRESSABLE and not actions_of(node):
                problems.append(f'the {role} “{name}” has no action')
            if role in TYPED:
                try:
                    node.queryEditableText()
                except NotImplementedError:
                    problems.append(f'the {role} “{name}” takes no text')
            label = visible_label(node) if role == 'push button' else None
            if label is not None and label != name:
                problems.append(f'the {role} shows “{label}” but is named “{name}”')
        if role == 'frame' and (not name or TYPE_NAME.match(name)):
            problems.append(f'a window is named {name!r}')
        for i in range(node.childCount):
            visit(node.getChildAtIndex(i))

    visit(root)
    if problems:
        t.fail(f'{where}: ' + '; '.join(problems))
    t.ok(f'{where}: {count} controls, each named as shown and operable')


def do_action(node, action_name):
    action = node.queryAction()
    for i in range(action.nActions):
        if action.getName(i) == action_name:
            action.doAction(i)
            return
    t.fail(f'“{node.name}” has no action {action_name!r}: {actions_of(node)}')


def main():
    t.run_against_server(run)


def run(app_process):
    app = t.wait_for('Authflow on the accessibility bus', lambda: t.find_app('authflow'))
    window = t.wait_for('the Log In window', lambda: t.find(app, 'frame', 'Log In'))

    log_in = t.find(app, 'panel', 'Log In')
    check_controls(log_in, 'Log In')

    t.press(log_in, 'Sign Up')
    t.wait_for('Sign Up', lambda: window.name == 'Sign Up')
    sign_up = t.find(app, 'panel', 'Sign Up')
    check_controls(sign_up, 'Sign Up')

    # A field whose error was fixed no longer describes the error.
    t.type_into(sign_up, 'Email', 'not-an-email')
    t.type_into(sign_up, 'Username', 'ada')
    t.type_into(sign_up, 'Password', 'long-enough-password')
    t.press(sign_up, 'Create Account')
    email = t.find(sign_up, 'text', 'Email')
    t.wait_for('the email field to describe its error', lambda: email.description != '')
    t.type_into(sign_up, 'Email', 'ada@example.com')
    t.type_into(sign_up, 'Username', 'emilys')
    t.press(sign_up, 'Create Account')
    username = t.find(sign_up, 'text', 'Username')
    t.wait_for('the username field to describe its error', lambda: username.description != '')
    if email.description != '':
        t.fail(f'the fixed email field still says {email.description!r}')
    t.ok(f'only the field at fault describes the error: “{username.description}”')

    t.press(sign_up, 'Log In Instead')
    t.wait_for('Log In', lambda: window.name == 'Log In')
    t.type_into(log_in, 'Username', 'emilys')
    t.type_into(log_in, 'Password', 'emilyspass')
    t.press(log_in, 'Log In')
    t.wait_for('Home', lambda: window.name == 'Home')
    home = t.find(app, 'panel', 'Home')
    check_controls(home, 'Home')
    check_controls(window, 'the main window with its header bar')

    t.press(home, 'Edit Profile')
    dialog = t.wait_for('Edit Profile', lambda: t.find(app, 'frame', 'Edit Profile'))
    check_controls(dialog, 'Edit Profile')
    t.press(dialog, 'Cancel')
    t.wait_for('Edit Profile to close', lambda: t.find(app, 'frame', 'Edit Profile') is None)

    # The main menu opens from AT-SPI, and its items can be pressed.
    menu_button = t.wait_for('the main menu button', lambda: pyatspi.findDescendant(
        window, lambda n: n.name == 'Main Menu' and n.getRoleName() in ('push button', 'toggle button', 'filler')))
    do_action(menu_button, 'menu-button.open')
    item = t.wait_for('the Keyboard Shortcuts item', lambda: pyatspi.findDescendant(
        app, lambda n: n.name == 'Keyboard Shortcuts' and n.getRoleName() in PRESSABLE))
    check_controls(item.parent.parent if item.parent and item.parent.parent else item, 'the main menu')
    do_action(item, actions_of(item)[0])
    shortcuts = t.wait_for('the shortcuts window', lambda: t.find(app, 'frame', 'Keyboard Shortcuts'))
    for title in ('Close Window', 'Main Menu', 'Log Out', 'Back to Log In'):
        if not t.find_label(shortcuts, lambda name, title=title: name == title):
            t.fail(f'the shortcuts window does not list “{title}”')
    t.ok('the shortcuts window, named “Keyboard Shortcuts”, lists Close Window, Main Menu, Log Out and Back')
    check_controls(shortcuts, 'Keyboard Shortcuts')

    t.press(home, 'Log Out')
    t.wait_for('Log In', lambda: window.name == 'Log In')

    # Preferences: the switch is named once; the combo has an action and
    # says its value.
    menu_button = pyatspi.findDescendant(window, lambda n: n.name == 'Main Menu')
    do_action(menu_button, 'menu-button.open')
    item = t.wait_for('the Preferences item', lambda: pyatspi.findDescendant(
        app, lambda n: n.name == 'Preferences' and n.getRoleName() in PRESSABLE))
    do_action(item, actions_of(item)[0])
    prefs = t.wait_for('Preferences', lambda: t.find(app, 'frame', 'Preferences'))
    check_controls(prefs, 'Preferences')
    combo = t.find(prefs, 'combo box', 'Backend')
    if combo.description != 'Reference server':
        t.fail(f'the Backend combo says {combo.description!r}, not its value')
    t.ok('the Backend combo says its value: “Reference server”')
    # The token lifetime: a spin button named once, that takes a number.
    spin = pyatspi.findDescendant(prefs, lambda n: n.getRoleName() == 'spin button')
    if spin is None or spin.name != 'Token Lifetime':
        t.fail(f'the token lifetime is not a spin button named “Token Lifetime”: {spin and spin.name!r}')
    value = spin.queryValue()
    if (value.minimumValue, value.maximumValue, value.currentValue) != (0, 43200, 0):
        t.fail(f'the Token Lifetime spin button goes from {value.minimumValue} to {value.maximumValue}, '
               f'at {value.currentValue}')
    t.ok('the Token Lifetime spin button is named once, from 0 to 43200 minutes, at 0')


if __name__ == '__main__':
    main()
