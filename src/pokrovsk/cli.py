"""The ``pokrovsk`` command: build the book, run one notebook, clean, validate data."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pokrovsk import paths
from pokrovsk.params import LANGUAGES, BookParams, ParameterError, load_params, parse_assignments
from pokrovsk.process_end import end_now

EXIT_FAILED = 1
EXIT_USAGE = 2


def cores_available() -> int:
    """The cores this process may run on (a container or taskset may allow fewer than the machine has)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _add_param_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                        help=f"override a book parameter ({', '.join(BookParams.names())})")
    parser.add_argument("--params", type=Path, metavar="FILE", help="YAML file of parameter overrides")
    parser.add_argument("--data-dir", type=Path, metavar="DIR", help="use this copy of data/ instead")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pokrovsk", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="validate data, execute changed notebooks, build the HTML book")
    _add_param_options(build)
    build.add_argument("--jobs", type=int, default=cores_available(), metavar="N",
                       help="notebooks executed in parallel (default: one per core, here %(default)s)")
    build.add_argument("--frontlines", type=Path, metavar="STORE",
                       help="add the real front lines from this store (see `pokrovsk frontlines import`)")
    build.add_argument("--language", "--languages", dest="languages", metavar="LANG[,LANG]",
                       help=f"build only these editions (default: all, {','.join(LANGUAGES)}); the others keep their last build")

    run = commands.add_parser("run", help="execute one notebook with parameters (for re-running with other data)")
    run.add_argument("notebook", type=Path)
    _add_param_options(run)
    run.add_argument("--output", type=Path, metavar="PATH", help="where to write the executed notebook")

    commands.add_parser("clean", help="remove executed notebooks, caches and _build")

    locales = commands.add_parser("locales", help="extract the pages' text afresh and update the translators' catalogs "
                                                  "(book/locales/<language>/LC_MESSAGES)")
    locales.add_argument("--language", "--languages", dest="languages", metavar="LANG[,LANG]",
                         help="update only these languages' catalogs (default: every translated edition)")

    data = commands.add_parser("data", help="work with the curated data in data/")
    data_commands = data.add_subparsers(dest="data_command", required=True)
    validate = data_commands.add_parser("validate", help="check every rule; report all errors at once")
    validate.add_argument("--data-dir", type=Path, metavar="DIR")

    from pokrovsk.frontlines.cli import add_commands as add_frontline_commands

    add_frontline_commands(commands)
    return parser


def _book_params(project, args) -> BookParams:
    """Parameters from book/params.yml, --params and --param, every one checked. Folders given
    as options (--data-dir, --frontlines) are taken from the working directory like any
    command-line path; folders inside parameters are taken from the project root."""
    overrides = parse_assignments(args.param)
    if args.data_dir is not None:
        overrides["data_dir"] = str(args.data_dir.resolve())
    if getattr(args, "frontlines", None) is not None:
        overrides["frontlines"] = str(args.frontlines.resolve())
    return load_params(project.params_file, overrides, args.params, root=project.root)


def _languages(option: str | None) -> list[str]:
    if option is None:
        return list(LANGUAGES)
    chosen = [language.strip() for language in option.split(",") if language.strip()]
    unknown = [language for language in chosen if language not in LANGUAGES]
    if unknown or not chosen:
        raise ParameterError(f"--language: {option!r} names no edition of the book (editions: {', '.join(LANGUAGES)})")
    return list(dict.fromkeys(chosen))


def _update_locales(project: paths.Project, option: str | None) -> int:
    from pokrovsk import locales

    languages = [language for language in _languages(option) if language != locales.SOURCE_LANGUAGE]
    if not languages:
        print(f"pokrovsk: {locales.SOURCE_LANGUAGE} is the language the pages are written in: it has no catalogs")
        return 0
    try:
        merged = locales.update(project, languages)
    except locales.LocalesError as error:
        print(f"pokrovsk: {error}", file=sys.stderr)
        return EXIT_FAILED
    for catalog in merged:
        state = "created" if catalog.created else "updated"
        todo = f"{catalog.untranslated} to translate, {catalog.fuzzy} fuzzy" if catalog.untranslated or catalog.fuzzy else "complete"
        print(f"{catalog.path.relative_to(project.root)}: {state}, {todo}")
    _update_data_locales(paths.data_dir(), languages)
    return 0


def _update_data_locales(data_dir: Path, languages: list[str]) -> None:
    """The data's catalogs (pokrovsk.translations), brought up to date with the data in the same run."""
    from pokrovsk import translations

    for language in languages:
        translations.merge_templates(data_dir, language)
        for name in translations.catalog_names():
            left = len(translations.untranslated(data_dir, language, name))
            path = translations.catalog_path(data_dir, language, name)
            print(f"{path}: {f'{left} to translate' if left else 'complete'}")


def _validate_or_fail(data_dir: Path) -> None:
    from pokrovsk import validation

    errors = validation.validate_data_dir(data_dir, require_citations=False)
    if errors:
        raise validation.DataInvalid(errors)
    gaps = validation.citation_gaps(data_dir)
    if gaps:
        print(f"pokrovsk: warning: {len(gaps)} source(s) lack the publisher's URL or a full citation "
              f"(`pokrovsk data validate` lists them); building anyway", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from pokrovsk import build as pipeline
    from pokrovsk import validation

    try:
        if args.command == "frontlines":
            from pokrovsk.frontlines import cli as frontlines_cli

            return frontlines_cli.run(args)
        if args.command == "data":
            data_dir = args.data_dir.resolve() if args.data_dir else paths.data_dir()
            errors = validation.validate_data_dir(data_dir)
            for line in errors:
                print(line, file=sys.stderr)
            if errors:
                print(f"{len(errors)} problem(s) in {data_dir}", file=sys.stderr)
                return EXIT_FAILED
            print(f"{data_dir}: valid")
            return 0

        project = paths.Project.find()
        if args.command == "locales":
            return _update_locales(project, args.languages)
        if args.command == "clean":
            for path in pipeline.clean(project):
                print(f"removed {path.relative_to(project.root)}")
            return 0
        params = _book_params(project, args)
        if args.command == "build":
            if args.jobs < 1:
                raise ParameterError(f"--jobs: {args.jobs} must be at least 1")
            pipeline.build_book(project, params, workers=args.jobs, validate=_validate_or_fail,
                                languages=_languages(args.languages))
            return 0
        if args.command == "run":
            output = pipeline.run_single(project, args.notebook, params, args.output, validate=_validate_or_fail)
            print(f"executed {args.notebook} -> {output}")
            return 0
    except ParameterError as error:
        print(f"pokrovsk: {error}", file=sys.stderr)
        return EXIT_USAGE
    except paths.ProjectNotFound as error:
        print(f"pokrovsk: {error}", file=sys.stderr)
        return EXIT_FAILED
    except validation.DataInvalid as error:
        for line in error.errors:
            print(line, file=sys.stderr)
        print(f"pokrovsk: data is invalid ({len(error.errors)} problem(s)); nothing was built", file=sys.stderr)
        return EXIT_FAILED
    except pipeline.BuildError as error:
        print(f"pokrovsk: {error}", file=sys.stderr)
        print("pokrovsk: build failed; the previous book in _build/html is unchanged", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_USAGE


def run() -> None:
    """The command's entry point: its process ends as soon as the command is done (see
    pokrovsk.process_end). Tests and other code call main()."""
    end_now(main())


if __name__ == "__main__":
    run()
