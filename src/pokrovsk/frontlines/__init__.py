"""DeepState front lines around Pokrovsk: importers, a local store, a fetcher and metrics.

- ``importers``: read the daily merged archive and DeepState's raw export (``read_frontline``)
- ``store``: the de-duplicated GeoParquet store (``FrontlineStore``, ``import_files``)
- ``fetch``: download the daily archive for a date range (``fetch_days``)
- ``metrics``: occupied km² within radii and distance to the front (``frontline_metrics``)
- ``control``: first date each place lay inside the occupied area (``settlement_control``)
- ``cli``: the ``pokrovsk frontlines`` commands

Nothing is imported here, so that loading the command line stays light.
"""
