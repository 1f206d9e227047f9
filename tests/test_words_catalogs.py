"""Every language's word catalogs hold what the English ones hold: the same files, the same keys,
lists of the same length and, in every sentence, the same fields. A key missing from a
translation, or a sentence that drops or renames a field, fails here rather than in a build."""

from __future__ import annotations

import re

import jinja2.meta
import pytest
import yaml

from pokrovsk import words

SOURCE = words.CATALOG_DIR / words.DEFAULT_LANGUAGE
TRANSLATIONS = sorted(path.name for path in words.CATALOG_DIR.iterdir()
                      if path.is_dir() and path.name != words.DEFAULT_LANGUAGE and not path.name.startswith("_"))
PLURAL_CATEGORIES = {"zero", "one", "two", "few", "many", "other"}
"""Plural forms are keys a language adds or leaves out by its own rules (Ukrainian: few, many)."""
ENVIRONMENT = words._environment(False)  # the catalogs' own filters and globals


def fields(text: str) -> set[str]:
    """The names a sentence reads: Jinja variables and ``{placeholder}`` fields."""
    names = jinja2.meta.find_undeclared_variables(ENVIRONMENT.parse(text))
    names |= set(re.findall(r"(?<![{%])\{([a-z_]+)\}(?!\})", text))
    return names - set(ENVIRONMENT.globals) - {"cite"}


def differences(english, translated, where: str) -> list[str]:
    if isinstance(english, dict):
        if not isinstance(translated, dict):
            return [f"{where}: should be a mapping"]
        found = []
        for key, value in english.items():
            if key not in translated:
                if key not in PLURAL_CATEGORIES or key == "other":
                    found.append(f"{where}.{key}: missing")
                continue
            found += differences(value, translated[key], f"{where}.{key}")
        found += [f"{where}.{key}: not in English" for key in translated
                  if key not in english and key not in PLURAL_CATEGORIES]
        return found
    if isinstance(english, list):
        if not isinstance(translated, list) or len(english) != len(translated):
            return [f"{where}: a list of {len(english)} in English"]
        return [line for index, (a, b) in enumerate(zip(english, translated))
                for line in differences(a, b, f"{where}[{index}]")]
    if isinstance(english, str):
        if not isinstance(translated, str) or not translated.strip():
            return [f"{where}: empty"]
        if fields(english) != fields(translated):
            return [f"{where}: fields {sorted(fields(english))} in English, {sorted(fields(translated))} here"]
    return []


def test_there_is_a_translation_to_check():
    assert "uk" in TRANSLATIONS


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_every_catalog_holds_every_english_entry_with_the_same_fields(language):
    found = []
    for source in sorted(SOURCE.glob("*.yml")):
        translated = words.CATALOG_DIR / language / source.name
        if not translated.is_file():
            found.append(f"{translated}: missing")
            continue
        found += differences(yaml.safe_load(source.read_text(encoding="utf-8")),
                             yaml.safe_load(translated.read_text(encoding="utf-8")), f"{language}/{source.stem}")
    assert found == []


def test_a_missing_key_and_a_renamed_field_are_found():
    english = {"title": "{{ count }} days in {{ place }}", "plurals": {"day": {"one": "{n} day", "other": "{n} days"}}}
    translated = {"title": "{{ count }} днів у {{ city }}",
                  "plurals": {"day": {"one": "{n} день", "few": "{n} дні", "many": "{n} днів"}}}
    assert differences(english, translated, "uk/sample") == [
        "uk/sample.title: fields ['count', 'place'] in English, ['city', 'count'] here",
        "uk/sample.plurals.day.other: missing"]
