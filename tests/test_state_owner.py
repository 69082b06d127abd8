"""One owner of session state: only ui/state.py writes the current and the previous run."""

from __future__ import annotations

import ast

from apphelpers import ROOT

RUN_KEYS = {"RUN", "PREVIOUS_RUN", "run", "previous_run"}


def _key_name(key: ast.AST):
    """state.RUN -> "RUN", RUN -> "RUN", "run" -> "run"."""
    if isinstance(key, ast.Attribute):
        return key.attr
    if isinstance(key, ast.Name):
        return key.id
    return getattr(key, "value", None)


def _writes_a_run(tree: ast.AST) -> list[int]:
    """Line numbers of `st.session_state[<run key>] = …` (or del / pop / setdefault on it)."""
    lines = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
        for t in targets:
            if isinstance(t, ast.Subscript) and "session_state" in ast.unparse(t.value):
                if _key_name(t.slice) in RUN_KEYS:
                    lines.append(node.lineno)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("pop", "setdefault", "update") \
                and "session_state" in ast.unparse(node.func.value) and node.args:
            if _key_name(node.args[0]) in RUN_KEYS:
                lines.append(node.lineno)
    return lines


def test_no_module_but_the_state_owner_writes_the_current_run():
    files = [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").rglob("*.py")]
    offenders = {f.relative_to(ROOT).as_posix(): lines for f in files
                 if f.name != "state.py" or f.parent.name != "ui"
                 if (lines := _writes_a_run(ast.parse(f.read_text(encoding="utf-8"))))}
    assert not offenders, offenders


def test_the_scan_finds_a_write_when_there_is_one():
    code = "import streamlit as st\nst.session_state[state.RUN] = run\n" \
           "st.session_state['previous_run'] = old\nst.session_state.pop(state.RUN, None)\n"
    assert _writes_a_run(ast.parse(code)) == [2, 3, 4]


def test_the_state_owner_itself_writes_the_run():
    assert _writes_a_run(ast.parse((ROOT / "ui" / "state.py").read_text(encoding="utf-8")))


def _key_constants(tree: ast.Module) -> list[str]:
    """Module-level NAME = "some_key" assignments: how a module declares a session key."""
    return [t.id for node in tree.body if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
            and node.value.value.replace("_", "").isalpha() and node.value.value.islower()
            for t in node.targets if isinstance(t, ast.Name) and t.id.isupper()]


def test_every_session_key_is_declared_in_the_state_module_only():
    files = [*(ROOT / "pages").glob("*.py"), *(ROOT / "ui").rglob("*.py"), ROOT / "app.py"]
    elsewhere = {f.relative_to(ROOT).as_posix(): names for f in files
                 if not (f.name == "state.py" and f.parent.name == "ui")
                 if (names := _key_constants(ast.parse(f.read_text(encoding="utf-8"))))}
    assert not elsewhere, elsewhere
    owner = _key_constants(ast.parse((ROOT / "ui" / "state.py").read_text(encoding="utf-8")))
    assert {"RUN", "CFG", "SERIES", "TRAINING", "UPLOAD", "SWEEP_ROWS"} <= set(owner)
