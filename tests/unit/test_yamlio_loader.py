"""The loader built once (yamlio._load_all) reads every text exactly as ruamel.yaml's own
``YAML(typ="safe", pure=False).load_all``: the same values, and the same errors at the same
marks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

import syncset.config.yamlio as yamlio
from syncset.config.yamlio import _load_all

ROOT = Path(__file__).resolve().parents[2]

SAMPLES = {
    "times and numbers": "a: 08:00\nb: 0o17\nc: 017\nd: 1_000\ne: .5\nf: .inf\ng: 0x1f\n",
    "booleans and nulls": "a: yes\nb: no\nc: on\nd: true\ne: ~\nf: null\ng: ''\n",
    "timestamps": "a: 2027-02-01\nb: 2027-02-01T08:00:00Z\nc: 2027-02-01 08:00:00.5 +01:00\n",
    "yaml 1.1 directive": "%YAML 1.1\n---\na: yes\nb: 08:00\nc: 017\n",
    "yaml 1.2 directive": "%YAML 1.2\n---\na: yes\nb: 08:00\n",
    "several documents": "---\na: 1\n---\n---\n- x\n...\n---\nb: [1, {c: d}]\n",
    "anchors and merge keys": "base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\nlist: [*b, *b]\n",
    "block scalars": "html: |\n  <div>\n    x\n  </div>\ncss: >-\n  a\n  b\n",
    "tags": "a: !!str 123\nb: !!int '7'\nc: !!binary aGVsbG8=\nd: !!set {x, y}\n",
    "empty": "",
    "only a comment": "# nothing\n",
    "unicode": "naam: Zoë\n'ключ': 値\n",
}

BROKEN = {
    "duplicate key": "a: 1\na: 2\n",
    "unclosed flow": "a: [1, 2\n",
    "tab indent": "a:\n\tb: 1\n",
    "colon in flow": "hours: [{time_from: 08:00:00:00 x}]\n",
    "unknown tag": "a: !python/object:os.system x\n",
    "bad indentation": "a: 1\n b: 2\n",
}


def _ruamel(text: str) -> Any:
    try:
        return ("ok", list(YAML(typ="safe", pure=False).load_all(text)))
    except Exception as exc:
        return ("error", type(exc), str(exc))


def _ours(text: str) -> Any:
    try:
        return ("ok", _load_all(text))
    except Exception as exc:
        return ("error", type(exc), str(exc))


@pytest.mark.parametrize("text", [*SAMPLES.values(), *BROKEN.values()], ids=[*SAMPLES, *BROKEN])
def test_the_loader_reads_a_text_as_ruamel_does(text: str) -> None:
    assert _ours(text) == _ruamel(text)


def test_broken_samples_are_errors_in_both() -> None:
    assert all(_ours(text)[0] == "error" for text in BROKEN.values())


def test_every_yaml_file_of_the_checkout_reads_the_same() -> None:
    paths = [
        p
        for p in sorted(ROOT.rglob("*.y*ml"))
        if not any(part.startswith(".") for part in p.relative_to(ROOT).parts)
    ]
    assert len(paths) > 20
    for path in paths:
        text = path.read_text(encoding="utf-8-sig")
        assert _ours(text) == _ruamel(text), path


def test_the_collector_comes_back_when_the_last_of_overlapping_pauses_ends():
    import gc
    import threading

    from syncset.config.yamlio import gc_paused

    first_in, second_done = threading.Event(), threading.Event()
    seen: list[bool] = []

    def second() -> None:
        first_in.wait()
        with gc_paused():
            pass
        seen.append(gc.isenabled())  # the first pause is still open
        second_done.set()

    assert gc.isenabled()
    worker = threading.Thread(target=second)
    worker.start()
    with gc_paused():
        first_in.set()
        second_done.wait(5)
    worker.join()
    assert seen == [False]
    assert gc.isenabled()


def test_remembered_tags_keep_quoted_and_plain_values_apart_in_either_order() -> None:
    yaml = YAML(typ="safe", pure=False)
    for text in ("a: 'true'\nb: true\nc: '08:00'\nd: 08:00\n", "d: 08:00\nc: '08:00'\nb: true\n"):
        assert _load_all(text) == list(yaml.load_all(text))
    assert _load_all("x: 'true'\ny: true\n") == [{"x": "true", "y": True}]


def test_remembered_tags_are_bounded_and_long_values_are_not_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(yamlio, "_TAGS", {})
    monkeypatch.setattr(yamlio, "_TAGS_MAX", 10)
    text = "".join(f"key{n}: {n}\n" for n in range(100)) + f"long: {'x' * 500}\n"

    assert _load_all(text) == list(YAML(typ="safe", pure=False).load_all(text))
    assert len(yamlio._TAGS) == 10
    assert not any(value and len(value) > 64 for _, value, _, _ in yamlio._TAGS)


def test_a_loader_is_freed_while_the_collector_is_paused() -> None:
    """Plan parses with the cyclic collector paused (gc_paused), so a loader left in a
    reference cycle would stay in memory until the command ends: one per file."""
    import gc

    from syncset.config.yamlio import _LOADER

    def loaders() -> int:
        return sum(1 for o in gc.get_objects() if isinstance(o, _LOADER))

    gc.collect()
    before = loaders()
    gc.disable()
    try:
        for text in SAMPLES.values():
            _load_all(text)
        assert loaders() == before
    finally:
        gc.enable()
