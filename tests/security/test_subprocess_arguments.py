"""Programs are started with argument lists only, never through a shell (issue 9).

A static check of every module under ``addon/`` (vendored code included): each call of
``subprocess.run/Popen/call/check_call/check_output`` gets a list as its first argument (a list or
tuple expression, a name bound only to such expressions, a parameter typed as a list or sequence, or
a call of a function of the same module typed to return one), no call anywhere passes ``shell=``
anything but False, and none of the shell-string ways to start a program is used at all
(``os.system``, ``os.popen``, ``os.exec*``/``os.spawn*``, ``pty.spawn``, ``subprocess.getoutput``…).
A config value (a binary path, a voice name) can then never be read by a shell: it is one argument.
"""

from __future__ import annotations

import ast

import pytest

from tests.security.security_ast import (
    Finding,
    addon_files,
    calls,
    dotted,
    import_aliases,
    imported_modules,
    parse,
    relative,
    where,
)

SUBPROCESS_STARTERS = frozenset(f"subprocess.{name}" for name in ("run", "Popen", "call", "check_call", "check_output"))
SHELL_STARTERS = frozenset(
    {
        "os.system",
        "os.popen",
        "os.posix_spawn",
        "os.posix_spawnp",
        "pty.spawn",
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
        "asyncio.create_subprocess_shell",
        "platform.popen",
    }
)
SHELL_PREFIXES = ("os.exec", "os.spawn", "commands.")
SEQUENCE_TYPES = frozenset({"list", "tuple", "Sequence", "MutableSequence", "List", "Tuple"})


def _is_sequence_annotation(node: ast.expr | None) -> bool:
    if node is None:
        return False
    if isinstance(node, ast.Constant) and isinstance(node.value, str):  # a string annotation
        try:
            node = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return False
    base = node.value if isinstance(node, ast.Subscript) else node
    name = base.attr if isinstance(base, ast.Attribute) else base.id if isinstance(base, ast.Name) else None
    return name in SEQUENCE_TYPES


def _is_list_expression(node: ast.expr, functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef]) -> bool:
    if isinstance(node, (ast.List, ast.Tuple, ast.ListComp)):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):  # list + x is a list or a TypeError
        return _is_list_expression(node.left, functions)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in functions:
        return _is_sequence_annotation(functions[node.func.id].returns)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in functions:
        return _is_sequence_annotation(functions[node.func.attr].returns)  # self.method(...)
    return False


def _enclosing_function(tree: ast.Module, target: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The innermost function whose body holds ``target``."""
    enclosing = [
        node
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and any(inner is target for inner in ast.walk(node))
    ]
    return max(enclosing, key=lambda node: node.lineno, default=None)


def _name_is_a_list(name: str, scope: ast.AST, functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef]) -> bool:
    """Whether ``name`` in ``scope`` is a parameter typed as a sequence, or bound only to list expressions."""
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
        arguments = scope.args
        for argument in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs):
            if argument.arg == name:
                return _is_sequence_annotation(argument.annotation)
    bound: list[ast.expr] = []
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign):
            bound += [node.value for target in node.targets if isinstance(target, ast.Name) and target.id == name]
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name):
            if node.target.id == name and node.value is not None:
                bound.append(node.value)
        elif isinstance(node, (ast.For, ast.NamedExpr)) and any(
            isinstance(t, ast.Name) and t.id == name for t in ast.walk(node.target)
        ):
            return False  # bound by a loop or a walrus: not followed
    return bool(bound) and all(_is_list_expression(value, functions) for value in bound)


def _dict_keys(node: ast.expr) -> set[str] | None:
    """The keys of a dict display (or a conditional between two), when all are string constants."""
    if isinstance(node, ast.IfExp):
        body, orelse = _dict_keys(node.body), _dict_keys(node.orelse)
        return None if body is None or orelse is None else body | orelse
    if isinstance(node, ast.Dict) and all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in node.keys):
        return {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    return None


def _keys_never_include_shell(node: ast.expr, call: ast.Call, tree: ast.Module) -> bool:
    """Whether ``**node`` in ``call`` surely passes no ``shell``: a dict display without it, or a
    name bound (in the enclosing function) only to such displays."""
    values = [node]
    if isinstance(node, ast.Name):
        scope = _enclosing_function(tree, call) or tree
        values = [
            assign.value
            for assign in ast.walk(scope)
            if isinstance(assign, (ast.Assign, ast.AnnAssign))
            and any(
                isinstance(t, ast.Name) and t.id == node.id
                for t in (assign.targets if isinstance(assign, ast.Assign) else [assign.target])
            )
            and assign.value is not None
        ]
    keys = [_dict_keys(value) for value in values]
    return bool(keys) and all(k is not None and "shell" not in k for k in keys)


def subprocess_findings(tree: ast.Module, path: str) -> list[Finding]:
    found: list[Finding] = []
    functions = {
        node.name: node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    aliases = import_aliases(tree)
    for call, name in calls(tree):
        for keyword in call.keywords:
            if keyword.arg == "shell" and not (
                isinstance(keyword.value, ast.Constant) and keyword.value.value is False
            ):
                found.append(Finding(where(path, call), f"{name}(shell={ast.unparse(keyword.value)})"))
        local = dotted(call.func)
        if name is None or local is None or local.partition(".")[0] not in aliases:
            continue  # not a module's function (a local variable such as argparse's ``commands``)
        if name in SHELL_STARTERS or name.startswith(SHELL_PREFIXES):
            found.append(Finding(where(path, call), f"starts a program with {name}"))
        if name in SUBPROCESS_STARTERS:
            for keyword in call.keywords:
                if keyword.arg is None and not _keys_never_include_shell(keyword.value, call, tree):
                    found.append(Finding(where(path, call), f"{name}(**{ast.unparse(keyword.value)}) may set shell"))
            first = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "args"), None)
            if first is None:
                found.append(Finding(where(path, call), f"{name}() without arguments"))
            elif isinstance(first, ast.Name):
                scope = _enclosing_function(tree, call) or tree
                if not _name_is_a_list(first.id, scope, functions):
                    found.append(Finding(where(path, call), f"{name}({first.id}): not known to be a list"))
            elif not _is_list_expression(first, functions):
                found.append(Finding(where(path, call), f"{name}({ast.unparse(first)}): not a list"))
    for node, module in imported_modules(tree):
        if module == "commands" or module.startswith("commands."):
            found.append(Finding(where(path, node), "imports commands"))
    for local, full in aliases.items():
        if full in SHELL_STARTERS or full.startswith(SHELL_PREFIXES):
            found.append(Finding(f"{path}", f"imports {full} as {local}"))
    return found


def test_every_program_is_started_with_an_argument_list_and_no_shell() -> None:
    files = addon_files()
    assert any(relative(path).startswith("addon/vendor/") for path in files), "vendored code is checked too"
    found = [finding for path in files for finding in subprocess_findings(parse(path), relative(path))]
    assert found == [], "\n".join(map(str, found))


def test_the_check_sees_the_add_ons_real_program_starts() -> None:
    """espeak, piper and the audio conversion start programs; the check must look at each."""
    starting = sorted(
        relative(path) for path in addon_files() if any(name in SUBPROCESS_STARTERS for _, name in calls(parse(path)))
    )
    assert starting == [
        "addon/core/media/audio_convert.py",
        "addon/providers/audio/espeak.py",
        "addon/providers/audio/piper.py",
    ]


@pytest.mark.parametrize(
    "code",
    [
        "import subprocess\nsubprocess.run('espeak-ng ' + text)",
        "import subprocess\nsubprocess.run(f'espeak-ng {text}', shell=False)",
        "import subprocess\nsubprocess.run(['espeak-ng', text], shell=True)",
        "import subprocess\nsubprocess.Popen(command, shell=flag)",
        "import subprocess\ndef f(command: str):\n    subprocess.check_output(command)",
        "import subprocess\ndef f(command):\n    subprocess.call(command)",
        "import subprocess\ncommand = ' '.join(parts)\nsubprocess.check_call(command)",
        "import subprocess\nsubprocess.run(prefix + ['-q'])",
        "import subprocess as sp\nsp.run(args=line)",
        "from subprocess import run\nrun(line)",
        "import subprocess\nsubprocess.getoutput('ls')",
        "import os\nos.system('ls')",
        "import os\nos.popen('ls')",
        "import os\nos.execv('/bin/sh', ['sh'])",
        "import os\nos.spawnlp(os.P_WAIT, 'ls', 'ls')",
        "from os import system\nsystem('ls')",
        "import pty\npty.spawn('sh')",
        "import asyncio\nasyncio.create_subprocess_shell('ls')",
        "import commands",
        "import subprocess\nsubprocess.run(['ls'], **{'shell': True})",
        "import subprocess\noptions = {'shell': True} if posix else {}\nsubprocess.run(['ls'], **options)",
        "import subprocess\nsubprocess.run(['ls'], **settings)",
    ],
)
def test_the_static_check_finds_each_shell_string(code: str) -> None:
    assert subprocess_findings(ast.parse(code), "snippet") != []


@pytest.mark.parametrize(
    "code",
    [
        "import subprocess\nsubprocess.run(['espeak-ng', '-v', voice, text], check=False)",
        "import subprocess\ndef f(command: list[str]):\n    subprocess.run(command, shell=False)",
        "import subprocess\nfrom collections.abc import Sequence\ndef f(c: Sequence[str]):\n    subprocess.Popen(c)",
        "import subprocess\ncommand = [binary, '--version']\ncommand += ['-q']\nsubprocess.run(command)",
        "import subprocess\ndef argv(p) -> list[str]:\n    return [p]\nsubprocess.run(argv(x))",
        "import subprocess\nsubprocess.run([binary] + options)",
        "import subprocess\noptions = {'cwd': d} if posix else {'env': e}\nsubprocess.run(['ls'], **options)",
    ],
)
def test_the_static_check_accepts_argument_lists(code: str) -> None:
    assert subprocess_findings(ast.parse(code), "snippet") == []
