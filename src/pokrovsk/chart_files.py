"""How the files that chapters leave for the site are named, and how a chart's static image
starts in the page: shared by the chapters' figures (pokrovsk.render), the build and the book's
Sphinx extension, which need not import plotly to know them."""

PREVIEW_IMAGE = '<img class="pk-preview"'
"""How a chart's static image starts, shown until the chart is drawn (lazy but on each page's first)."""
PENDING_SUFFIX = ".static.json"
"""A chart waiting for its static image: the figure and the image size, drawn later in one batch."""
DRAWING_SUFFIX = ".drawing"
"""An image being written; it is renamed to its final name when complete."""
UNFINISHED = (f"*{PENDING_SUFFIX}", f"*{DRAWING_SUFFIX}")
"""Files that are not part of a chapter's finished assets."""
ASSETS_OF_NOTEBOOK = "assets/"
"""The build gives each notebook the prefix ``assets/<notebook stem>``."""
NOTEBOOK_DOWNLOADS = "notebooks"
"""Beside the chapter pages, the committed notebooks (no outputs) are offered as downloads here."""
