"""Editions: which build of the book a reader is looking at, and what changed since the last one.

An edition's id is the date its data describes (``as_of``) and the short commit it was built
from, e.g. ``2025-11-28-1a2b3c4``; ``-uncommitted`` marks a build from a tree with uncommitted
changes, ``local`` a build outside a git checkout. The "What changed" page lists, for each
commit that changed the data package, the rows added, changed and removed, by each table's
primary key (from ``datapackage.json``), newest first. It is read from git, so it needs no
network; without git or outside a checkout the page names the current edition only.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import subprocess
from pathlib import Path, PurePosixPath
from typing import Callable

from markupsafe import Markup

from pokrovsk import words
from pokrovsk.markup import md_code, md_text

PAGES_DIR = Path("book") / "edition"
CHANGES_PAGE = PAGES_DIR / "changes.md"
EDITION_FILE = PAGES_DIR / "edition.json"
"""The current edition, for the Sphinx extension (footer, citation)."""
HISTORY_LIMIT = 20
"""Editions listed on the page; older ones are in the repository's history."""
ROWS_LISTED = 25
"""Rows named per table and kind of change; the rest are counted."""
VALUE_WIDTH = 60


class GitUnavailable(Exception):
    """git is missing, or the folder is not inside a git checkout."""


def _git(folder: Path, *args: str) -> str:
    try:
        completed = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True)
    except FileNotFoundError as error:
        raise GitUnavailable("git is not installed") from error
    if completed.returncode != 0:
        raise GitUnavailable(f"{folder} is not a git checkout" if "not a git repository" in completed.stderr
                             else f"git {args[0]} failed: {completed.stderr.strip()}")
    return completed.stdout


@dataclasses.dataclass(frozen=True)
class Edition:
    data_date: dt.date
    commit: str | None
    """Short commit id; None outside a git checkout."""
    uncommitted: bool = False

    @property
    def id(self) -> str:
        if self.commit is None:
            return f"{self.data_date.isoformat()}-local"
        return f"{self.data_date.isoformat()}-{self.commit}" + ("-uncommitted" if self.uncommitted else "")


def current_edition(root: Path, data_date: dt.date) -> Edition:
    """The edition a build of ``root`` makes now (git-ignored files do not count as changes)."""
    try:
        commit = _git(root, "rev-parse", "--short=7", "HEAD").strip()
        uncommitted = bool(_git(root, "status", "--porcelain").strip())
    except GitUnavailable:
        return Edition(data_date, None)
    return Edition(data_date, commit, uncommitted)


# --- differences between two versions of the data package ---------------------------------


@dataclasses.dataclass(frozen=True)
class TableChange:
    table: str
    key_fields: tuple[str, ...]
    added: list[str]
    changed: list[tuple[str, list[tuple[str, str, str]]]]
    """``(row key, [(field, old, new)])``"""
    removed: list[str]
    columns_added: list[str] = dataclasses.field(default_factory=list)
    columns_removed: list[str] = dataclasses.field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed or self.columns_added or self.columns_removed)


Reader = Callable[[str], "str | None"]
"""Text of a file of the data package by its path inside the package, or None when absent."""


def _tables(read: Reader) -> dict[str, tuple[str, tuple[str, ...]]]:
    """CSV tables of a version of the package: name -> (path, primary key fields)."""
    descriptor = read("datapackage.json")
    if descriptor is None:
        return {}
    tables = {}
    for resource in json.loads(descriptor).get("resources", []):
        path = resource.get("path", "")
        if isinstance(path, str) and path.endswith(".csv"):
            key = resource.get("schema", {}).get("primaryKey", [])
            tables[resource["name"]] = (path, tuple([key] if isinstance(key, str) else key))
    return tables


def _rows(text: str | None) -> tuple[list[str], list[dict[str, str]]]:
    if text is None:
        return [], []
    reader = csv.DictReader(io.StringIO(text))
    return list(reader.fieldnames or []), list(reader)


def _short(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= VALUE_WIDTH else value[:VALUE_WIDTH - 1] + "…"


def diff_table(name: str, key_fields: tuple[str, ...], old_text: str | None, new_text: str | None) -> TableChange:
    """Rows added, changed and removed, matched by primary key (the whole row without one).
    A column added or removed is reported once, not as a change to every row."""
    old_columns, old_rows = _rows(old_text)
    new_columns, new_rows = _rows(new_text)
    fields = key_fields or tuple(new_columns or old_columns)
    common = [c for c in new_columns if c in old_columns]

    def keyed(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
        return {", ".join(row.get(f) or "" for f in fields): row for row in rows}

    old, new = keyed(old_rows), keyed(new_rows)
    changed = []
    for key in new.keys() & old.keys():
        fields_changed = [(c, _short(old[key][c] or ""), _short(new[key][c] or "")) for c in common
                          if (old[key][c] or "") != (new[key][c] or "")]
        if fields_changed:
            changed.append((key, fields_changed))
    return TableChange(
        name, tuple(fields),
        added=sorted(new.keys() - old.keys()),
        changed=sorted(changed),
        removed=sorted(old.keys() - new.keys()),
        columns_added=[c for c in new_columns if c not in old_columns] if old_text is not None else [],
        columns_removed=[c for c in old_columns if c not in new_columns] if new_text is not None else [],
    )


def diff_packages(old: Reader, new: Reader) -> list[TableChange]:
    old_tables, new_tables = _tables(old), _tables(new)
    changes = []
    for name in sorted(old_tables.keys() | new_tables.keys()):
        old_path, old_key = old_tables.get(name, (None, ()))
        new_path, new_key = new_tables.get(name, (None, ()))
        change = diff_table(name, new_key or old_key, old(old_path) if old_path else None,
                            new(new_path) if new_path else None)
        if change:
            changes.append(change)
    return changes


# --- the data package's history in git -----------------------------------------------------


@dataclasses.dataclass(frozen=True)
class DataEdition:
    """One commit that changed the data, or the uncommitted changes of this build (commit None).
    ``first``: the data package appeared in this commit, so every row is new."""

    commit: str | None
    date: dt.date
    first: bool
    changes: list[TableChange]


class _Blobs:
    """File contents at any commit through one ``git cat-file --batch`` process."""

    def __init__(self, repo: Path) -> None:
        self._process = subprocess.Popen(["git", "-C", str(repo), "cat-file", "--batch"],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def read(self, revision: str, path: str) -> str | None:
        self._process.stdin.write(f"{revision}:{path}\n".encode())
        self._process.stdin.flush()
        header = self._process.stdout.readline().decode().split()
        if len(header) < 3 or header[1] != "blob":
            return None
        content = self._process.stdout.read(int(header[2]))
        self._process.stdout.read(1)  # the newline after each object
        return content.decode("utf-8")

    def close(self) -> None:
        self._process.stdin.close()
        self._process.wait()


def _working_reader(data_dir: Path) -> Reader:
    def read(path: str) -> str | None:
        file = data_dir / path
        return file.read_text(encoding="utf-8") if file.is_file() else None
    return read


def data_history(data_dir: Path, limit: int = HISTORY_LIMIT) -> list[DataEdition]:
    """The editions that changed ``data_dir``, newest first; uncommitted changes come first.
    Raises GitUnavailable without git or outside a checkout."""
    data_dir = data_dir.resolve()
    repo = Path(_git(data_dir, "rev-parse", "--show-toplevel").strip()).resolve()
    prefix = PurePosixPath(data_dir.relative_to(repo).as_posix())
    log = _git(repo, "log", f"-n{limit + 1}", "--format=%H %cs", "--", str(prefix)).split("\n")
    commits = [(line.split()[0], dt.date.fromisoformat(line.split()[1])) for line in log if line.strip()]
    blobs = _Blobs(repo)
    try:
        def at(revision: str | None) -> Reader:
            return lambda path: None if revision is None else blobs.read(revision, str(prefix / path))

        editions = []
        if commits and _git(repo, "status", "--porcelain", "--", str(prefix)).strip():
            changes = diff_packages(at(commits[0][0]), _working_reader(data_dir))
            if changes:
                editions.append(DataEdition(None, dt.date.today(), False, changes))
        for commit, date in commits[:limit]:
            first_parent = (_git(repo, "rev-list", "--parents", "-n1", commit).split()[1:] or [None])[0]
            before = at(first_parent)
            changes = diff_packages(before, at(commit))
            editions.append(DataEdition(commit, date, not _tables(before) and bool(changes), changes))
        return editions
    finally:
        blobs.close()


# --- the page ------------------------------------------------------------------------------


def _code(text: str) -> Markup:
    return Markup(md_code(text))


def _listed(keys: list[str]) -> Markup:
    shown = [md_code(key) for key in keys[:ROWS_LISTED]]
    if len(keys) > ROWS_LISTED:
        shown.append(words.markdown("pages.changes.more", n=len(keys) - ROWS_LISTED))
    return Markup(", ".join(shown))


def _table_lines(change: TableChange) -> list[str]:
    counts = [words.say(f"pages.changes.counts.{kind}", n=len(rows)) for kind, rows in
              (("added", change.added), ("changed", change.changed), ("removed", change.removed)) if rows]
    lines = [words.markdown("pages.changes.table", table=change.table, key=_code(", ".join(change.key_fields)),
                            counts=Markup(", ".join(counts))), ""]
    if change.columns_added:
        lines.append("- " + words.markdown("pages.changes.columns_added", columns=_listed(change.columns_added)))
    if change.columns_removed:
        lines.append("- " + words.markdown("pages.changes.columns_removed", columns=_listed(change.columns_removed)))
    if change.added:
        lines.append("- " + words.markdown("pages.changes.added", rows=_listed(change.added)))
    empty = words.say("pages.changes.empty")
    for row, fields in change.changed[:ROWS_LISTED]:
        described = "; ".join(f"{md_code(field)} {md_code(old or empty)} → {md_code(new or empty)}"
                              for field, old, new in fields)
        lines.append("- " + words.markdown("pages.changes.changed_row", row=_code(row), fields=Markup(described)))
    if len(change.changed) > ROWS_LISTED:
        lines.append("- " + words.markdown("pages.changes.changed_more", n=len(change.changed) - ROWS_LISTED))
    if change.removed:
        lines.append("- " + words.markdown("pages.changes.removed", rows=_listed(change.removed)))
    return lines + [""]


def _edition_heading(entry: DataEdition, current: Edition) -> str:
    if entry.commit is None:
        return "## " + words.markdown("pages.changes.uncommitted", edition=current.id)
    return "## " + words.markdown("pages.changes.commit", date=Markup(entry.date.isoformat()), commit=_code(entry.commit[:7]))


def changes_page(current: Edition, history: list[DataEdition] | None) -> str:
    """Markdown of the "What changed" page; ``history`` None when git could not be read."""
    lines = [f"# {words.say('pages.changes.title')}", "", words.say("pages.changes.intro"), "",
             words.markdown("pages.changes.this_edition", edition=current.id, data_date=Markup(current.data_date.isoformat())), ""]
    if history is None:
        return "\n".join(lines)
    if not history:
        return "\n".join(lines + [words.say("pages.changes.none_yet"), ""])
    for entry in history:
        lines += [_edition_heading(entry, current), ""]
        if entry.first:
            rows = sum(len(change.added) for change in entry.changes)
            lines += [words.markdown("pages.changes.first", rows=rows, tables=len(entry.changes)), ""]
            continue
        for change in entry.changes:
            lines += _table_lines(change)
        if not entry.changes:
            lines += [words.say("pages.changes.files_only"), ""]
    return "\n".join(lines)


def write_pages(root: Path, data_dir: Path, data_date: dt.date, report: Callable[[str], None] = print,
                repository: Path | None = None) -> list[Path]:
    """Write the current edition and the "What changed" page under ``root`` (only when their text
    changes, so an unchanged book stays a no-op); the edition is that of the checkout at
    ``repository`` (default ``root``). Without git history, say so once and list this edition only."""
    from pokrovsk.datapages import write_if_changed

    edition = current_edition(repository or root, data_date)
    try:
        history = data_history(data_dir)
    except GitUnavailable as reason:
        report(f"What changed: history unavailable ({reason}); the page shows the current edition only")
        history = None
    (root / PAGES_DIR).mkdir(parents=True, exist_ok=True)
    record = json.dumps({"id": edition.id, "data_date": data_date.isoformat()}) + "\n"
    return [write_if_changed(root / EDITION_FILE, record),
            write_if_changed(root / CHANGES_PAGE, changes_page(edition, history))]


def read_edition(srcdir: Path) -> dict[str, str]:
    """What write_pages recorded: ``{"id", "data_date"}``."""
    path = srcdir / EDITION_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no edition recorded; build the book with `pokrovsk build`")
    return json.loads(path.read_text(encoding="utf-8"))


# --- in the book: footer, citation, where to report an error --------------------------------

FOOTER_TEMPLATE = "pokrovsk-edition.html"
TEMPLATES_DIR = Path(__file__).parent / "templates"


def report_error_url(repository_url: str, contact: str) -> str | None:
    """The repository's issues when the book names its repository, else the contact address."""
    if repository_url:
        return repository_url.rstrip("/") + "/issues"
    if contact:
        return contact if contact.startswith("mailto:") else f"mailto:{contact}"
    return None


def repository_url(root: Path) -> str:
    """``repository.url`` of the book's ``_config.yml`` (Jupyter Book passes it to Sphinx only inside
    html_theme_options, which the book's own sphinx config replaces)."""
    from pokrovsk.sharing import book_config

    return (book_config(root).get("repository") or {}).get("url", "")


def citation(author: str, title: str, edition: dict[str, str], url: str) -> str:
    """The suggested citation, in Markdown."""
    return words.markdown("pages.about.citation", author=author, year=edition["data_date"][:4], title=title,
                          edition=edition["id"], url=Markup(url))


def configure_sphinx(app, config) -> None:
    """config-inited: the edition and the report link reach every page's footer and, as MyST
    substitutions, the About page (``{{ citation }}``, ``{{ report_error }}``)."""
    edition = read_edition(Path(app.srcdir))
    report = report_error_url(repository_url(Path(app.srcdir)), config.pokrovsk_contact)
    if report is None and config.html_baseurl:
        from sphinx.util import logging

        logging.getLogger(__name__).warning(
            "_config.yml names the site's address (html.baseurl) but neither repository.url nor "
            "sphinx.config.pokrovsk_contact: readers of the published book could not report an error")
    config.templates_path.append(str(TEMPLATES_DIR))
    options = config.html_theme_options
    items = list(options.get("footer_content_items") or
                 ["author.html", "copyright.html", "last-updated.html", "extra-footer.html"])
    options["footer_content_items"] = items + [FOOTER_TEMPLATE]
    config.html_context.update(pokrovsk_edition=edition["id"], pokrovsk_changes=CHANGES_PAGE.with_suffix("").as_posix(),
                               pokrovsk_report_error=report or "")
    report_line = (words.markdown("pages.about.report_error", url=Markup(report)) if report
                   else words.say("pages.about.no_report_address"))
    config.myst_substitutions = {**(config.myst_substitutions or {}),
                                 "edition": edition["id"],
                                 "citation": citation(config.author, config.html_title, edition, config.html_baseurl),
                                 "report_error": report_line}


def setup(app) -> None:
    app.add_config_value("pokrovsk_contact", "", "html", types=frozenset({str}))
    app.connect("config-inited", configure_sphinx)
