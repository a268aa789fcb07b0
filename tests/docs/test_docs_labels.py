"""UI label catalogues: a missing translation stops generation, naming the key."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from docs_helpers import ROOT, TEMPLATES, copy_templates, spec

from generator.cli import main
from generator.emit.docs import emit_docs
from generator.emit.errors import GenerateError


def _edit_catalogue(templates: Path, lang: str, change: dict[str, str | None]) -> None:
    path = templates / "docs" / f"labels.{lang}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    for key, value in change.items():
        if value is None:
            del data[key]
        else:
            data[key] = value
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def _error(templates: Path) -> str:
    with pytest.raises(GenerateError) as info:
        emit_docs(spec(), templates)
    return str(info.value)


def test_label_missing_in_german_names_key_and_catalogue(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    _edit_catalogue(templates, "de", {"decision": None})
    message = _error(templates)
    assert "missing label 'decision'" in message
    assert "labels.de.json" in message


def test_label_only_in_german_is_missing_in_english(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    _edit_catalogue(templates, "de", {"nur_deutsch": "Nur auf Deutsch"})
    message = _error(templates)
    assert "labels.en.json: missing label 'nur_deutsch'" in message


def test_every_missing_label_is_reported_at_once(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    _edit_catalogue(templates, "en", {"values": None})
    _edit_catalogue(templates, "de", {"rules": None})
    message = _error(templates)
    assert "labels.en.json: missing label 'values'" in message
    assert "labels.de.json: missing label 'rules'" in message


def test_empty_translation_counts_as_missing(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    _edit_catalogue(templates, "de", {"condition": "  "})
    assert "label 'condition' must be a non-empty string" in _error(templates)


def test_label_used_by_a_template_but_defined_nowhere(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    page = templates / "docs" / "legend.md.j2"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("# {{ L.legend | t }}", "# {{ L.no_such_label | t }}"))
    message = _error(templates)
    assert "missing label 'no_such_label'" in message
    assert "templates/docs/legend.md.j2:" in message  # the template and its line


def test_label_used_by_the_html_page_but_defined_nowhere(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    page = templates / "docs" / "index.html.j2"
    text = page.read_text(encoding="utf-8")
    assert text.count("{{ L.contents | bi }}") == 1
    page.write_text(text.replace("{{ L.contents | bi }}", "{{ L.table_of_contents | bi }}"))
    message = _error(templates)
    assert "missing label 'table_of_contents'" in message
    assert "templates/docs/index.html.j2:" in message


def test_placeholders_must_match_across_languages(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    _edit_catalogue(templates, "de", {"checked_as": "geprüft als {format_name}"})
    message = _error(templates)
    assert "label 'checked_as' must use the same placeholders" in message


def test_broken_catalogue_names_file_and_line(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    path = templates / "docs" / "labels.de.json"
    path.write_text('{\n  "language": "Sprache",\n  "index" "Übersicht"\n}\n', encoding="utf-8")
    assert "templates/docs/labels.de.json:3:" in _error(templates)


def test_generate_command_stops_and_names_the_key(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copytree(ROOT / "spec", project / "spec")
    shutil.copy(ROOT / "pyproject.toml", project / "pyproject.toml")
    templates = copy_templates(project)
    _edit_catalogue(templates, "de", {"endpoint": None})
    result = CliRunner().invoke(main, ["generate", "--root", str(project)])
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert result.exit_code != 0
    assert "missing label 'endpoint'" in output
    assert "Traceback" not in output
    assert not (project / "generated").exists()  # nothing written: all or nothing


def test_every_label_is_used() -> None:
    # A label nothing uses is a translation nobody maintains.
    sources = [p.read_text(encoding="utf-8") for p in (TEMPLATES / "docs").glob("*.j2")]
    sources.append((ROOT / "generator" / "emit" / "docs.py").read_text(encoding="utf-8"))
    used = {m for text in sources for m in re.findall(r"\b(?:L|labels)\.(\w+)", text)}
    used |= {"transport_" + op.transport.replace("-", "_") for op in spec().operations}
    catalogue = json.loads((TEMPLATES / "docs" / "labels.en.json").read_text(encoding="utf-8"))
    assert sorted(set(catalogue) - used) == []
