"""Parsers of outside data end in a result or a sentence, never a traceback.

Real inputs are mutated: JSON fields get values of another type (the drive corpus in
../shared/corpus/drives, a certificate the station issued), data files get values of
another type, lost or doubled lines and damaged bytes, and settings files get any text.
Hypothesis draws the mutation; the examples are few so the suite stays fast, and
benchmarks/fault_counts.py runs the same mutations by the thousand.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from station import disposition_rules
from station.config import BY_KEY, Config
from station.devices.drive.parsers import parse, parse_json
from station.errors import ConfigError, UserFacingError
from station.grading import crosswalk, matrix
from station.labels import layout

STATION = Path(__file__).parent.parent / "station"
SEEDS = st.integers(min_value=0, max_value=2**32 - 1)
FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

OTHER_TYPES: list[Any] = [["x"], {"a": 1}, "text", 7, -1, 1.5, None, True, 10**30, "", [], {}]


def _paths(node: Any, pre: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [pre]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*pre, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*pre, i))
    return out


def retype(doc: Any, rng: random.Random, times: int = 1) -> Any:
    """A copy of `doc` with `times` fields (or whole sub-trees) replaced by a value of another type."""
    doc = json.loads(json.dumps(doc))
    for _ in range(times):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = rng.choice(paths)
        node = doc
        for k in path[:-1]:
            node = node[k]
        node[path[-1]] = copy.deepcopy(rng.choice(OTHER_TYPES))  # never share (and later mutate) one list
    return doc


_VALUE = re.compile(r"(=\s*)([^\n#]+)")
_TOML_VALUES = ['"x"', "-3.0", "nan", "inf", "0", "[]", '["x"]', "{}", "{ a = 1 }", "true", "1e308", "-1", '""',
                "99999999999999999999", '"{oops"']


def damage_text(text: str, rng: random.Random) -> str:
    """A data file with one value of another type, a lost or doubled line, or a damaged byte."""
    kind = rng.randrange(4)
    lines = text.splitlines()
    if kind == 0 and (values := list(_VALUE.finditer(text))):
        m = rng.choice(values)
        return text[:m.start(2)] + rng.choice(_TOML_VALUES) + text[m.end(2):]
    if kind == 1 and lines:
        del lines[rng.randrange(len(lines))]
        return "\n".join(lines)
    if kind == 2 and lines:
        i = rng.randrange(len(lines))
        lines.insert(i, lines[i])
        return "\n".join(lines)
    raw = bytearray(text.encode())
    raw[rng.randrange(len(raw))] = rng.randrange(256)
    return raw.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def corpus_dir() -> Path:
    """conftest's `corpus`, once per module (the same single allowed skip when ../shared is absent)."""
    from tests.conftest import require_corpus

    return require_corpus()


@pytest.fixture(scope="module")
def drive_reports(corpus_dir: Path) -> list[tuple[str, Any]]:
    docs = []
    for p in sorted(corpus_dir.rglob("*.json")):
        with contextlib.suppress(ValueError):
            docs.append((p.name, json.loads(p.read_text(errors="replace"))))
    assert len(docs) > 50, "the drive corpus must be there for this test to mean anything"
    return docs


@FAST
@given(seed=SEEDS)
def test_drive_reports_with_retyped_fields(drive_reports: list[tuple[str, Any]], seed: int) -> None:
    # `"model_name": ["x"]` crashed plan --facts-from in the shared helpers (common.py).
    rng = random.Random(seed)
    name, doc = rng.choice(drive_reports)
    with contextlib.suppress(UserFacingError):
        parse_json(retype(doc, rng, times=rng.randint(1, 3)), name)


@FAST
@given(seed=SEEDS)
def test_drive_reports_with_damaged_text(corpus_dir: Path, seed: int) -> None:
    rng = random.Random(seed)
    files = sorted(p for p in corpus_dir.rglob("*") if p.is_file() and p.suffix in (".txt", ".json", ""))
    text = rng.choice(files).read_text(errors="replace")
    with contextlib.suppress(UserFacingError):
        parse(damage_text(text, rng) if text else text, "fuzzed")


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    from station.certs import certificate
    from station.context import open_station
    from tests.erase.test_certificate import result

    ctx = open_station(tmp_path_factory.mktemp("cert") / "data")
    ctx.config.set("org.name", "Acme Recycling")
    cert = certificate.issue(ctx, result(), None)
    ctx.close()
    return ctx.data.root, json.loads(cert.json_path.read_bytes())


@FAST
@given(seed=SEEDS)
def test_certificates_with_retyped_fields_fail_verify_and_show_in_sentences(
        issued: tuple[Path, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory, seed: int) -> None:
    from station.certs import keys
    from station.certs import verify as cert_verify
    from station.commands import cert as cert_cmd
    from station.paths import DataDir

    root, doc = issued
    rng = random.Random(seed)
    data = json.dumps(retype(doc, rng, times=rng.randint(1, 3))).encode()
    if rng.random() < 0.3:  # and sometimes damaged bytes as well
        raw = bytearray(data)
        raw[rng.randrange(len(raw))] = rng.randrange(256)
        data = bytes(raw)
    trusted = keys.load_public_pem(DataDir(root).keys / keys.PUBLIC_NAME)
    report = cert_verify.verify_bytes(data, trusted=trusted, lookup=cert_cmd._lookup(DataDir(root)))
    assert not report.ok or json.loads(data) == doc
    path = tmp_path_factory.mktemp("show") / "c.json"
    path.write_bytes(data)
    with contextlib.suppress(UserFacingError), contextlib.redirect_stdout(io.StringIO()):
        cert_cmd._show(argparse.Namespace(file=path, json=False))


DATA_FILES = [
    ("layout", lambda text, p: layout.parse(text, p), sorted((STATION / "labels" / "layouts").glob("*.toml"))),
    ("matrix", lambda text, p: matrix.parse(text, str(p)), sorted((STATION / "grading" / "matrices").glob("*.toml"))),
    ("crosswalk", lambda text, p: crosswalk.parse(text, str(p)), [STATION / "grading" / "crosswalks.toml"]),
    ("rules", lambda text, p: disposition_rules.parse(text, str(p)), [STATION / "data" / "disposition.toml"]),
]


@pytest.mark.parametrize(("kind", "load", "files"), DATA_FILES, ids=[d[0] for d in DATA_FILES])
@settings(max_examples=150, deadline=None)
@given(seed=SEEDS)
def test_data_files_with_damage_are_refused_with_a_sentence(kind: str, load: Any, files: list[Path],
                                                            seed: int) -> None:
    # A list where a route name was, or an explanation with a lone '{', raised out of the rules loader.
    assert files, kind
    rng = random.Random(seed)
    path = rng.choice(files)
    with contextlib.suppress(UserFacingError):
        load(damage_text(path.read_text(), rng), path)


_KEYS = sorted(BY_KEY)


@FAST
@given(key=st.sampled_from(_KEYS), value=st.one_of(
    st.integers(), st.floats(), st.text(max_size=20), st.booleans(), st.lists(st.integers(), max_size=3)))
def test_any_value_for_any_setting_is_taken_or_refused_naming_the_key(key: str, value: Any) -> None:
    try:
        Config({key: value})
    except ConfigError as exc:
        assert f"'{key}'" in str(exc)


_TOML_TOKENS = [*"[]=\"'.#\n 0123456789abcdefgnrtu_-{},\xff\u00e9", "printer", "kind", "timeout_s",
                "config_version", "inf", "nan", "operators", "lockout_minutes", "[sync]", "interval_s"]


@FAST
@given(text=st.lists(st.sampled_from(_TOML_TOKENS), max_size=40).map("".join))
def test_any_settings_file_loads_or_is_a_sentence_naming_the_file(tmp_path_factory: pytest.TempPathFactory,
                                                                   text: str) -> None:
    path = tmp_path_factory.mktemp("toml") / "station.toml"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    try:
        Config.load(path)
    except ConfigError as exc:
        assert str(exc).startswith(str(path))


# The inputs that crashed before, kept as plain regression tests next to the fuzzing that found them.
def test_a_list_where_the_model_name_was_is_an_unknown_model(drive_reports: list[tuple[str, Any]]) -> None:
    name, doc = next((n, d) for n, d in drive_reports if isinstance(d, dict) and "model_name" in d)
    facts = parse_json({**doc, "model_name": ["x"], "serial_number": 12345}, name)
    assert facts.model is None and facts.serial == "12345"


def test_a_certificate_with_sections_of_the_wrong_type(issued: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    from station.certs import verify as cert_verify
    from station.commands import cert as cert_cmd

    _, doc = issued
    bad = {**doc, "certificate": {**doc["certificate"], "appendix_g": ["x"]}}
    path = tmp_path / "c.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(UserFacingError, match="a field is missing or of the wrong type"):
        cert_cmd._show(argparse.Namespace(file=path, json=False))
    assert not cert_verify.verify_bytes(json.dumps({**doc, "event": {**doc["event"], "payload": 7}}).encode(),
                                        trusted=None).ok


@pytest.mark.parametrize("damage", ['route = ["x"]', 'route = "recycle"\nexplanation = "{oops"'])
def test_disposition_rules_with_a_list_route_or_a_lone_brace(damage: str) -> None:
    text = (STATION / "data" / "disposition.toml").read_text().replace('route = "recycle"', damage, 1)
    with pytest.raises(ConfigError):
        disposition_rules.parse(text, "rules.toml")
