"""Sphinx starts before the last chapters are ready (pokrovsk.sphinx_head_start): it reads the
other pages, waits for the build's word, and only then reads the chapters as they are by then."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from conftest import processes_naming
from pokrovsk.sphinx_head_start import PENDING_ENV, RELEASE


def small_project(root: Path) -> Path:
    source = root / "source"
    source.mkdir(parents=True)
    (source / "conf.py").write_text('extensions = ["pokrovsk.sphinx_head_start"]\n')
    (source / "index.rst").write_text("Index\n=====\n\n.. toctree::\n\n   about\n   chapter\n   later\n")
    (source / "about.rst").write_text("About\n=====\n\nThe about page.\n")
    (source / "chapter.rst").write_text("Chapter\n=======\n\nPLACEHOLDER\n")
    (source / "later.rst").write_text("Later\n=====\n\nPLACEHOLDER\n")
    return source


def start_sphinx(source: Path, pending: str | None) -> subprocess.Popen:
    environment = {name: value for name, value in os.environ.items() if name != PENDING_ENV}
    if pending:
        environment[PENDING_ENV] = pending
    return subprocess.Popen([sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", str(source),
                             str(source.parent / "html")], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=environment)


def doctree(source: Path, name: str) -> Path:
    return source.parent / "html" / ".doctrees" / f"{name}.doctree"


def wait_for(path: Path, process: subprocess.Popen, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.05)


def test_sphinx_reads_the_other_pages_then_waits_and_reads_the_chapter_as_it_is_when_released(tmp_path):
    source = small_project(tmp_path)
    process = start_sphinx(source, "chapter")
    wait_for(doctree(source, "about"), process)
    time.sleep(0.5)
    assert process.poll() is None  # still waiting for the chapter
    assert not doctree(source, "chapter").exists()
    (source / "chapter.rst").write_text("Chapter\n=======\n\nEXECUTED RESULT\n")
    stdout, stderr = process.communicate(f"{RELEASE}\n", timeout=60)
    assert process.returncode == 0, stderr
    page = (tmp_path / "html" / "chapter.html").read_text()
    assert "EXECUTED RESULT" in page and "PLACEHOLDER" not in page


def test_each_chapter_is_read_as_soon_as_the_build_names_it(tmp_path):
    source = small_project(tmp_path)
    process = start_sphinx(source, "chapter,later")
    (source / "chapter.rst").write_text("Chapter\n=======\n\nFIRST RESULT\n")
    process.stdin.write("chapter\n")
    process.stdin.flush()
    wait_for(doctree(source, "chapter"), process)
    time.sleep(0.5)
    assert process.poll() is None and not doctree(source, "later").exists()  # later is still running
    (source / "later.rst").write_text("Later\n=====\n\nSECOND RESULT\n")
    stdout, stderr = process.communicate("later\n", timeout=60)
    assert process.returncode == 0, stderr
    assert "FIRST RESULT" in (tmp_path / "html" / "chapter.html").read_text()
    assert "SECOND RESULT" in (tmp_path / "html" / "later.html").read_text()


def test_a_pending_chapter_is_read_again_even_when_its_older_copy_looks_up_to_date(tmp_path):
    source = small_project(tmp_path)
    first = start_sphinx(source, None)
    assert first.wait(timeout=60) == 0, first.communicate()
    chapter = source / "chapter.rst"
    mtime = chapter.stat().st_mtime
    chapter.write_text("Chapter\n=======\n\nNEW RESULT, SAME TIME\n")
    os.utime(chapter, (mtime, mtime))  # to Sphinx, unchanged
    second = start_sphinx(source, "chapter")
    stdout, stderr = second.communicate(f"{RELEASE}\n", timeout=60)
    assert second.returncode == 0, stderr
    assert "NEW RESULT, SAME TIME" in (tmp_path / "html" / "chapter.html").read_text()


def test_a_build_that_stops_before_releasing_the_chapters_fails_sphinx(tmp_path):
    source = small_project(tmp_path)
    process = start_sphinx(source, "chapter")
    stdout, stderr = process.communicate("", timeout=60)  # the build's end of the pipe closes
    assert process.returncode != 0
    assert "stopped before the chapters were ready" in stderr
    assert not (tmp_path / "html" / "chapter.html").exists()


def test_stopping_an_early_sphinx_also_stops_what_its_extensions_started(tmp_path):
    """sphinx-sitemap starts a process of its own as Sphinx starts; a build that fails while
    Sphinx waits for the chapters must not leave it behind."""
    from pokrovsk.build import SphinxRun
    from pokrovsk.staging import EditionTree

    root = tmp_path / "edition"
    (root / "book").mkdir(parents=True)
    (root / "_config.yml").write_text("title: t\nhtml:\n  baseurl: https://example.org/book/\n"
                                      "sphinx:\n  extra_extensions: [sphinx_sitemap, pokrovsk.sphinx_head_start]\n")
    (root / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n- file: book/chapter\n")
    (root / "book" / "intro.md").write_text("# Intro\n")
    (root / "book" / "chapter.md").write_text("# Chapter\n")
    run = SphinxRun(EditionTree("en", root, tmp_path / "work"), pending=["book/chapter"])
    deadline = time.monotonic() + 60
    while len(processes_naming(str(root))) < 2:  # Sphinx and the sitemap's process
        assert time.monotonic() < deadline, processes_naming(str(root))
        time.sleep(0.1)
    run.stop()
    deadline = time.monotonic() + 10
    while processes_naming(str(root)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_naming(str(root)) == []
