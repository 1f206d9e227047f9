"""``pokrovsk frontlines``: import DeepState front lines, fetch the daily archive, measure and export.

Exit codes: 0 done, 1 failed (a failed download, bad files in it, an unusable store), 2 bad usage
(including files named for import that are refused).
Heavy libraries are imported only when a command runs, so ``pokrovsk --help`` stays fast.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

EXIT_FAILED = 1
EXIT_REFUSED = 2


def add_commands(subparsers) -> None:
    """Add the ``frontlines`` command group to the ``pokrovsk`` sub-command parsers."""
    summary = "import DeepState front lines, fetch the daily archive, compute metrics, export measurements"
    frontlines = subparsers.add_parser("frontlines", help=summary, description=summary.capitalize() + ".")
    commands = frontlines.add_subparsers(dest="frontlines_command", required=True)

    importer = commands.add_parser("import", help="import .geojson files (or folders of them) into the store; "
                                                  "if any file is bad, nothing is imported")
    importer.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    _add_store_option(importer)

    fetch = commands.add_parser("fetch", help="download the daily archive for a date range and import it")
    fetch.add_argument("--since", type=_date, metavar="DATE",
                       help="first day (default: the archive's first, 2024-07-08)")
    fetch.add_argument("--until", type=_date, metavar="DATE", help="last day (default: today, UTC)")
    _add_store_option(fetch)
    fetch.add_argument("--base-url", metavar="URL", help="where the deepstatemap_data_YYYYMMDD.geojson files are "
                                                         "(default: the cyterat/deepstate-map-data archive)")

    metrics = commands.add_parser("metrics", help="occupied km² within radii and distance to the front, per date")
    _add_store_option(metrics)
    metrics.add_argument("--centre", type=_centre, metavar="LAT,LON", help="default: the store's centre (Pokrovsk)")
    metrics.add_argument("--radii", type=_radii, metavar="KM,...", help="default: 5,10,15,30")
    metrics.add_argument("--out", type=Path, required=True, metavar="FILE.csv")

    export = commands.add_parser("export", help="write our measurements of the store (km² within 10, 20, 30 km, "
                                                "distance, each place's first occupied date and changes) into data/")
    _add_store_option(export)
    export.add_argument("--data-dir", type=Path, metavar="DIR", help="data folder (default: data/ in the repository)")


def _add_store_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", type=Path, metavar="DIR",
                        help="store folder (default: frontlines/ in the repository)")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _centre(text: str) -> tuple[float, float]:
    try:
        lat, lon = (float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not LAT,LON (e.g. 48.2820,37.1760)") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise argparse.ArgumentTypeError(f"{text!r} is outside lat -90..90, lon -180..180")
    return lat, lon


def _radii(text: str) -> tuple[float, ...]:
    try:
        radii = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of kilometres (e.g. 5,10,15,30)") from None
    if any(not radius > 0 for radius in radii):
        raise argparse.ArgumentTypeError(f"{text!r}: every radius must be more than 0 km")
    return radii


def run(args: argparse.Namespace) -> int:
    """Run the ``frontlines`` sub-command that ``args`` names; returns the exit code."""
    from pokrovsk.frontlines.fetch import FetchError
    from pokrovsk.frontlines.metrics import MetricsError
    from pokrovsk.frontlines.store import BadFiles, StoreError

    commands = {"import": _import, "fetch": _fetch, "metrics": _metrics, "export": _export}
    try:
        return commands[args.frontlines_command](args)
    except BadFiles as error:
        for problem in error.errors:
            print(problem, file=sys.stderr)
        print(f"pokrovsk frontlines: {len(error.errors)} bad file(s); nothing was imported", file=sys.stderr)
        return EXIT_REFUSED if args.frontlines_command == "import" else EXIT_FAILED
    except (StoreError, FetchError, MetricsError) as error:
        print(f"pokrovsk frontlines: {error}", file=sys.stderr)
    return EXIT_FAILED


def _import(args: argparse.Namespace) -> int:
    from pokrovsk.frontlines.store import import_files

    report = import_files(args.paths, args.store)
    print(f"imported {len(report.imported)} file(s), {len(report.unchanged)} already in the store; "
          f"{report.store_path}: {report.stored_dates} date(s)")
    return 0


def _fetch(args: argparse.Namespace) -> int:
    from pokrovsk.frontlines.fetch import DEFAULT_BASE_URL, fetch_days

    report = fetch_days(args.since, args.until, args.store, args.base_url or DEFAULT_BASE_URL)
    missing = f" ({', '.join(day.isoformat() for day in report.missing)})" if report.missing else ""
    print(f"{len(report.downloaded)} day(s) downloaded, {len(report.cached)} already cached, "
          f"{len(report.missing)} missing from the archive{missing}; "
          f"imported {len(report.imported.imported)} file(s) into {report.imported.store_path}")
    return 0


def _metrics(args: argparse.Namespace) -> int:
    from pokrovsk.frontlines.metrics import DEFAULT_RADII_KM, MetricsError, frontline_metrics, write_metrics_csv
    from pokrovsk.frontlines.store import FrontlineStore

    store = FrontlineStore.open(args.store)
    if not store.dates():
        raise MetricsError(f"{store.path}: no front lines stored yet (run 'pokrovsk frontlines import' or 'fetch')")
    frame = frontline_metrics(store, args.centre, args.radii or DEFAULT_RADII_KM)
    write_metrics_csv(frame, args.out)
    print(f"wrote {len(frame)} date(s) to {args.out}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from pokrovsk import paths
    from pokrovsk.frontlines.export import export_dataset
    from pokrovsk.frontlines.store import FrontlineStore

    report = export_dataset(FrontlineStore.open(args.store), args.data_dir or paths.data_dir())
    print(f"measured {report.dates} date(s) from {report.first_date} to {report.last_date} and "
          f"{report.places} place(s); wrote {', '.join(str(path) for path in report.files)}")
    return 0
