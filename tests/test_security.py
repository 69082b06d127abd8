"""Security of a public classroom server: no code runs from a file, no input reaches a shell or a
path, no HTML from users, bounded uploads, identifiers checked before they reach a URL.

Some checks read the code itself (with `ast`, so comments and strings do not count): they fail
the day someone adds an `eval`, a subprocess or `unsafe_allow_html=True` to the app.
"""

from __future__ import annotations

import ast
import io
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

from apphelpers import ROOT, page_errors
from loopback import LoopbackServer, Reply
from rnn_core.io import FORMAT, ModelFileError, load_model
from rnn_core.sources.cache import cache_path, write_cache
from rnn_core.sources.csv_read import MAX_UPLOAD_BYTES
from rnn_core.sources.csv_upload import csv_columns, load_csv
from rnn_core.sources.series import DataSourceError
from rnn_core.sources.synthetic import synthetic_series
from test_pages import open_page

APP_CODE = sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").rglob("*.py"),
                   *(ROOT / "rnn_core").rglob("*.py")])


# --- model files never run code ---------------------------------------------------------

class _Payload:
    """Unpickling this object writes a file: proof that code from the file ran."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "code from a model file ran"))


def _pickled_npz(marker: Path, where: str) -> bytes:
    buffer = io.BytesIO()
    evil = np.array([_Payload(marker)], dtype=object)
    meta = '{"format": "%s", "version": 1, "model": {"kind": "rnn", "n_in": 1, ' \
           '"n_hidden": 1, "n_out": 1}, "scaler": null, "config": null}' % FORMAT
    arrays = {"meta": evil} if where == "meta" else {
        "meta": np.array(meta), "param/W_xh": evil, "param/W_hh": np.zeros((1, 1)),
        "param/b_h": np.zeros(1), "param/W_hy": np.zeros((1, 1)), "param/b_y": np.zeros(1)}
    np.savez(buffer, **arrays)  # numpy pickles object arrays when saving
    return buffer.getvalue()


@pytest.mark.parametrize("where", ["meta", "a parameter"])
def test_a_model_file_with_a_pickled_object_is_refused_without_running_it(tmp_path, where):
    marker = tmp_path / "ran.txt"
    raw = _pickled_npz(marker, where)
    with pytest.raises(ModelFileError, match="not an RNN Lab model|damaged"):
        load_model(io.BytesIO(raw))
    assert not marker.exists()
    # the same bytes do run code when pickles are allowed: the refusal above is what protects
    key = "meta" if where == "meta" else "param/W_xh"
    np.load(io.BytesIO(raw), allow_pickle=True)[key]
    assert marker.read_text() == "code from a model file ran"


def test_a_pickled_model_file_uploaded_on_the_train_page_runs_nothing(tmp_path):
    at = open_page("pages/2_Train.py", {"epochs": "2", "n_points": "200", "window": "10"})
    at.button(key="train_btn").click().run()
    run = at.session_state["run"]
    marker = tmp_path / "ran.txt"
    at.session_state["model_file"] = ("evil.npz", _pickled_npz(marker, "a parameter"))
    at.run()
    assert not page_errors(at) and not marker.exists()
    assert "Your current data and model are unchanged." in " ".join(e.value for e in at.error)
    assert at.session_state["run"] is run


# --- no shell, no eval, no user paths ----------------------------------------------------------

FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "os.system", "os.popen",
                   "os.execv", "os.execvp", "os.spawnv", "os.startfile", "pickle.load",
                   "pickle.loads", "marshal.loads", "shelve.open", "yaml.load"}
FORBIDDEN_MODULES = {"subprocess", "pty", "commands"}


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _findings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        where = f"{path.name}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            found += [f"{where} imports {a.name}" for a in node.names
                      if a.name.split(".")[0] in FORBIDDEN_MODULES]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in \
                FORBIDDEN_MODULES:
            found.append(f"{where} imports from {node.module}")
        elif isinstance(node, ast.Call):
            name = _dotted(node.func)
            if name in FORBIDDEN_CALLS:
                found.append(f"{where} calls {name}")
            for kw in node.keywords:
                if kw.arg in ("shell", "allow_pickle", "unsafe_allow_html") and \
                        isinstance(kw.value, ast.Constant) and kw.value.value is True:
                    found.append(f"{where} passes {kw.arg}=True to {name}")
            if name in ("st.html", "components.html", "st.components.v1.html"):
                found.append(f"{where} renders raw HTML with {name}")
    return found


def test_the_scanner_finds_what_it_looks_for(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import subprocess\nfrom os import path\neval(x)\nos.system(c)\n"
                      "st.markdown(t, unsafe_allow_html=True)\nnp.load(f, allow_pickle=True)\n"
                      "requests.get(u, shell=False)\n")
    found = _findings(sample)
    assert len(found) == 5, found


def test_no_app_code_runs_shell_commands_eval_pickles_or_raw_html():
    assert len(APP_CODE) > 40  # the scan really covers rnn_core, ui, pages and app.py
    findings = [f for path in APP_CODE for f in _findings(path)]
    assert findings == []


def test_no_file_is_opened_from_the_user_interface_code():
    """ui/ and pages/ hand bytes to Streamlit; only rnn_core touches the disk (hashed names)."""
    for path in [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").rglob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = {_dotted(n.func).rsplit(".", 1)[-1] for n in ast.walk(tree)
                 if isinstance(n, ast.Call)}
        assert not calls & {"open", "remove", "unlink", "rmtree", "write_bytes", "write_text",
                            "mkdir"}, path


HOSTILE_IDS = ["../../etc/passwd", "..\\..\\boot.ini", "/tmp/x", "GS10; rm -rf /", "NUL", "a" * 300]


@pytest.mark.parametrize("hostile", HOSTILE_IDS)
def test_a_cache_file_is_named_by_a_hash_never_by_the_users_id(tmp_path, hostile):
    key = {"source": "fred", "id": hostile, "start": None, "end": None}
    target = cache_path(key, tmp_path)
    assert target.parent == tmp_path
    assert re.fullmatch(r"fred-[0-9a-f]{20}\.json", target.name)
    assert write_cache(key, synthetic_series("sine", 0.0, 6.0, 50, 0.0, 0), tmp_path) == target
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_the_app_writes_only_hashed_cache_files(monkeypatch, tmp_path):
    from test_pages import FIXTURES

    monkeypatch.setenv("RNNLAB_CACHE_DIR", str(tmp_path))
    body = (FIXTURES / "fredgraph_GS10.csv").read_bytes()
    with LoopbackServer(Reply(body, content_type="text/csv")) as fred:
        monkeypatch.setenv("RNNLAB_FRED_URL", fred.url)
        at = open_page("pages/1_Data.py", {"source": "fred", "fred_id": "gs10"})
        assert len(fred.hits) == 1
    assert at.session_state["series"].provenance == "live"
    names = [p.name for p in tmp_path.iterdir()]
    assert len(names) == 1 and re.fullmatch(r"fred-[0-9a-f]{20}\.json", names[0])


# --- identifiers are checked before they reach a URL -------------------------------------------

@pytest.mark.parametrize("hostile", ["../x", "../../graph/other", "GS10?id=UNRATE", "GS10#x",
                                     "GS10%2F..", "GS10&api_key=1", "http://evil.example/"])
def test_a_hostile_fred_id_in_a_link_never_reaches_the_server(monkeypatch, tmp_path, hostile):
    monkeypatch.setenv("RNNLAB_CACHE_DIR", str(tmp_path))
    with LoopbackServer(Reply(b"should never be asked")) as fred:
        monkeypatch.setenv("RNNLAB_FRED_URL", fred.url)
        at = open_page("pages/1_Data.py", {"source": "fred", "fred_id": hostile})
        # refused where the link is read: the configuration keeps its valid id
        assert at.session_state["cfg"].fred_id == "GS10"
        at.button(key="fetch_btn").click().run()
        assert all(hostile not in hit and "id=GS10" in hit for hit in fred.hits), fred.hits
    assert not page_errors(at)
    notes = " ".join(str(e.value) for e in at.info)
    assert f"Ignored fred_id={hostile[:40]!r}" in notes and "slashes" in notes


# --- uploads are bounded, errors never show a traceback ----------------------------------------

def test_uploads_are_limited_to_5_mb_by_the_server_and_by_the_loader():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert 0 < config["server"]["maxUploadSize"] <= 5  # MB, enforced by Streamlit itself
    assert MAX_UPLOAD_BYTES == 5 * 1024 * 1024
    too_big = b"x,y\n" + b"1,2\n" * (MAX_UPLOAD_BYTES // 4)
    assert len(too_big) > MAX_UPLOAD_BYTES
    for reader in (csv_columns, load_csv):
        with pytest.raises(DataSourceError, match="the limit is 5 MB"):
            reader(too_big)
    page = (ROOT / "pages" / "1_Data.py").read_text()
    assert "at most 5 MB" in page  # the uploader tells the student before they try


def test_the_server_never_shows_a_traceback_to_a_student():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] in ("none", "type", False)
