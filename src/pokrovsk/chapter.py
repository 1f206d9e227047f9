"""The chapter context every notebook opens: validated parameters, the fixed ``as_of`` date,
and helpers to cite sources and write data-driven paragraphs from the word catalogs
(``pokrovsk.words``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from IPython.display import Markdown, display

from pokrovsk import charts, data, paths, render, words
from pokrovsk.params import BookParams, ParameterError
from pokrovsk.sources import cited_sources


def _role_text(text: str) -> str:
    """Role content is raw text: only the characters that would end or retarget it go."""
    return "".join(ch for ch in text if ch not in "<>`")


class Paragraphs(Markdown):
    """Paragraphs from the word catalogs that show nothing at all where their words come out
    empty (a section with nothing to say at as_of): IPython would print the empty Markdown
    object's name on the page instead."""

    def _ipython_display_(self) -> None:
        if self.data.strip():
            display(Markdown(self.data))


@dataclasses.dataclass(frozen=True)
class Chapter:
    params: BookParams
    as_of: dt.date

    @classmethod
    def open(cls, **notebook_parameters) -> "Chapter":
        """Validate the notebook's parameters and fix ``as_of`` (default: latest date in the data)."""
        params = BookParams.from_mapping(notebook_parameters).resolved()
        words.set_language(params.language)  # before anything is drawn or written
        render.use_book_renderer()
        charts.use_house_template()
        as_of = params.as_of or data.latest_date(params.data_dir)
        return cls(params, as_of)

    @classmethod
    def from_notebook(cls, namespace: Mapping[str, Any], **overrides) -> "Chapter":
        """The chapter for a notebook whose parameters cell set every book parameter:
        ``Chapter.from_notebook(globals())``. One call for all of them, so a notebook cannot
        forget one; ``overrides`` open the same chapter with other values (an exercise's date)."""
        missing = [name for name in BookParams.names() if name not in namespace]
        if missing:
            raise ParameterError(f"the notebook's parameters cell does not set {', '.join(missing)} "
                                 f"(every notebook declares the parameters of book/params.yml)")
        return cls.open(**({name: namespace[name] for name in BookParams.names()} | overrides))

    @property
    def data_dir(self) -> Path:
        return paths.data_dir(self.params.data_dir)

    def cite(self, source_ids) -> list[tuple[str, str]]:
        return cited_sources(source_ids, data.load_sources(self.data_dir))

    def cite_markdown(self, source_ids) -> str:
        """Sources as MyST references into the bibliography (a missing one fails the strict build)."""
        return "; ".join(f"{{ref}}`{_role_text(label)} <source-{source_id}>`" for label, source_id in self.cite(source_ids))

    def write(self, key: str, /, **fields) -> Markdown:
        """The paragraph ``key`` of the word catalogs, filled from ``fields`` (and ``as_of``),
        with its citations linked into the bibliography."""
        return Paragraphs(words.markdown(key, cite=self.cite_markdown, **({"as_of": self.as_of} | fields)))

    def place(self, place_id: str) -> pd.Series:
        places = data.load_places(self.data_dir).set_index("place_id")
        if place_id not in places.index:
            raise KeyError(f"no place {place_id!r} in {self.data_dir / 'places.csv'}")
        return places.loc[place_id]
