"""Regenerate data/geo/countries.geojson from Natural Earth (via the npm package world-atlas).

Run from the repository root:

    python data/scripts/make_countries.py

Needs `npm` on PATH (only to fetch the pinned tarball from the npm registry; nothing is
installed into the repository) and geopandas with pyogrio/GDAL (TopoJSON driver) and pyproj.
The output is deterministic: the same tarball always gives the same bytes.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry

WORLD_ATLAS_SPEC = "world-atlas@2.0.2"
# From `npm view world-atlas@2.0.2 dist.integrity dist.shasum`; a changed tarball must fail loudly.
WORLD_ATLAS_SHA512 = (
    "IXfV0qwlKXpckz1FhwXVwKRjiIhOnWttOskm5CtxMsjgE/MXAYRHWJqgXOpM8IkcPBoXnyTU5lFHcYa5ChG0LQ=="
)
WORLD_ATLAS_SHA1 = "4bca4a578f3a413bd409c3f07f2054fe7375824f"
TOPOJSON_MEMBER = "package/countries-50m.json"

REPO_ROOT = Path(__file__).resolve().parents[2]
OUTPUT = REPO_ROOT / "data" / "geo" / "countries.geojson"

# Generous frame for maps of Europe, Ukraine and the Donbas; whole countries are kept, so a
# country that reaches into the frame is drawn completely (no artificial clip edges).
EXTENT = box(-25.0, 34.0, 60.0, 72.0)
GRID = 1e-4  # degrees, about 11 m: far finer than the 1:50m source, and keeps the file small.

# Natural Earth draws Crimea (with Sevastopol) as part of Russia. In world-atlas 2.0.2 it is one
# polygon of Russia's MultiPolygon whose representative point falls in this box; nothing of
# Russia's mainland or the Taman peninsula does (checked by plotting).
CRIMEA_POINT_BOX = box(32.4, 44.3, 36.7, 46.3)

# Natural Earth lists these as units of their own. Northern Cyprus is recognised only by Turkey,
# and the Åland Islands are an autonomous region of Finland; both are drawn inside the state that
# they belong to under international law.
MERGE_INTO = {"N. Cyprus": "Cyprus", "Åland": "Finland"}

# Natural Earth's short labels, spelt out (and North Macedonia's name since 2019).
NAME_FIXES = {
    "Bosnia and Herz.": "Bosnia and Herzegovina",
    "Faeroe Is.": "Faroe Islands",
    "Macedonia": "North Macedonia",
}
# Self-governing territories of another state (British Crown Dependencies; Denmark's Faroe
# Islands and Greenland) that Natural Earth's "countries" layer lists on their own.
DEPENDENCIES = {"Faroe Islands", "Greenland", "Guernsey", "Isle of Man", "Jersey"}
PARTIALLY_RECOGNISED = {"Kosovo"}

UKRAINE_ID = "804"
RUSSIA_ID = "643"


def fetch_topojson(workdir: Path, tarball: Path | None) -> Path:
    if tarball is None:
        npm = shutil.which("npm")
        if npm is None:
            sys.exit("npm is needed to fetch world-atlas from the npm registry (or pass --tarball)")
        subprocess.run(
            [npm, "pack", WORLD_ATLAS_SPEC, "--pack-destination", str(workdir), "--silent"],
            check=True,
            cwd=workdir,
            stdout=subprocess.DEVNULL,
        )
        (tarball,) = workdir.glob("world-atlas-*.tgz")
    data = tarball.read_bytes()
    sha512 = base64.b64encode(hashlib.sha512(data).digest()).decode()
    sha1 = hashlib.sha1(data).hexdigest()
    if sha512 != WORLD_ATLAS_SHA512 or sha1 != WORLD_ATLAS_SHA1:
        sys.exit(f"{tarball.name}: checksum mismatch (sha512-{sha512}, sha1 {sha1})")
    with tarfile.open(tarball, "r:gz") as archive:
        member = archive.extractfile(TOPOJSON_MEMBER)
        if member is None:
            sys.exit(f"{TOPOJSON_MEMBER} missing from {tarball.name}")
        out = workdir / "countries-50m.json"
        out.write_bytes(member.read())
    return out


def _crosses_antimeridian(polygon: Polygon) -> bool:
    xs = np.asarray(polygon.exterior.coords)[:, 0]
    return bool(np.any(np.abs(np.diff(xs)) > 180))


def _unwrap_longitudes(xy: np.ndarray) -> np.ndarray:
    xy = xy.copy()
    xy[:, 0] = np.where(xy[:, 0] < 0, xy[:, 0] + 360, xy[:, 0])
    return xy


def split_at_antimeridian(geometry: BaseGeometry) -> BaseGeometry:
    """world-atlas rings (Chukotka, Wrangel Island) jump from +180 to -180 because they are meant
    for spherical rendering; read as planar GeoJSON they self-intersect across the whole map.
    Unwrap such parts to 0..360, then cut them at 180 as RFC 7946 asks."""
    parts = list(geometry.geoms) if isinstance(geometry, MultiPolygon) else [geometry]
    fixed: list[BaseGeometry] = []
    for part in parts:
        if not _crosses_antimeridian(part):
            fixed.append(part)
            continue
        unwrapped = shapely.transform(part, _unwrap_longitudes)
        fixed.append(unwrapped.intersection(box(-180, -90, 180, 90)))
        east = unwrapped.intersection(box(180, -90, 540, 90))
        fixed.append(shapely.transform(east, lambda xy: xy - [360, 0]))
    return shapely.union_all([g for g in fixed if not g.is_empty])


def split_crimea(russia: BaseGeometry) -> tuple[BaseGeometry, BaseGeometry]:
    parts = list(russia.geoms)
    crimea = [p for p in parts if CRIMEA_POINT_BOX.contains(p.representative_point())]
    if len(crimea) != 1:
        sys.exit(f"expected exactly one Crimea polygon in Russia, found {len(crimea)}")
    rest = [p for p in parts if p is not crimea[0]]
    return crimea[0], MultiPolygon(rest)


def _polygonal(geometry: BaseGeometry) -> BaseGeometry:
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
    if geometry.geom_type == "GeometryCollection":
        geometry = shapely.union_all([g for g in geometry.geoms if g.geom_type.endswith("Polygon")])
    return geometry


def build(topojson: Path) -> gpd.GeoDataFrame:
    world = gpd.read_file(topojson, layer="countries", engine="pyogrio").set_crs("EPSG:4326")
    # Bounds first: a few world-spanning shapes (Antarctica, Fiji) are invalid as read and far away.
    bounds = world.geometry.bounds
    near = world[
        (bounds.minx <= EXTENT.bounds[2]) & (bounds.maxx >= EXTENT.bounds[0])
        & (bounds.miny <= EXTENT.bounds[3]) & (bounds.maxy >= EXTENT.bounds[1])
    ].copy()
    near["geometry"] = [split_at_antimeridian(g) for g in near.geometry]
    near = near[near.intersects(EXTENT)]

    rows: dict[str, dict] = {}
    for record in near.itertuples(index=False):
        name = NAME_FIXES.get(record.name, record.name)
        rows[name] = {"iso_n3": record.id if isinstance(record.id, str) else None,
                      "name": name, "geometry": record.geometry}
    for part, whole in MERGE_INTO.items():
        rows[whole]["geometry"] = shapely.union_all([rows[whole]["geometry"], rows.pop(part)["geometry"]])

    ukraine = next(r for r in rows.values() if r["iso_n3"] == UKRAINE_ID)
    russia = next(r for r in rows.values() if r["iso_n3"] == RUSSIA_ID)
    crimea, russia["geometry"] = split_crimea(russia["geometry"])
    ukraine["geometry"] = shapely.union_all([ukraine["geometry"], crimea])

    features = []
    for row in rows.values():
        if row["name"] in DEPENDENCIES:
            status = "dependency"
        elif row["name"] in PARTIALLY_RECOGNISED:
            status = "partially_recognised"
        else:
            status = "sovereign"
        features.append({**row, "status": status, "recognised_as": None, "occupied_by": None})
    features.append({"iso_n3": None, "name": "Crimea", "geometry": crimea,
                     "status": "occupied_since_2014", "recognised_as": "UKR", "occupied_by": "RUS"})

    frame = gpd.GeoDataFrame(features, geometry="geometry", crs="EPSG:4326")
    frame["source_id"] = "natural-earth"
    frame["geometry"] = [_polygonal(shapely.set_precision(_polygonal(g), GRID)) for g in frame.geometry]
    frame = frame.sort_values("name", kind="stable").reset_index(drop=True)
    invalid = frame.loc[~frame.is_valid, "name"].tolist()
    if invalid:
        sys.exit(f"invalid geometries after repair: {invalid}")
    return frame[["iso_n3", "name", "status", "recognised_as", "occupied_by", "source_id", "geometry"]]


def _round(coords):
    if isinstance(coords, (float, int)):
        return round(float(coords), 4)
    return [_round(c) for c in coords]


def to_geojson(frame: gpd.GeoDataFrame) -> str:
    lines = []
    for record in frame.to_dict("records"):
        geometry = record.pop("geometry").__geo_interface__
        feature = {
            "type": "Feature",
            "properties": {key: None if pd.isna(value) else value for key, value in record.items()},
            "geometry": {"type": geometry["type"], "coordinates": _round(geometry["coordinates"])},
        }
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    # One feature per line keeps git diffs readable.
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def sanity_check(frame: gpd.GeoDataFrame) -> None:
    areas = frame.set_index("name").geometry.to_crs("EPSG:6933").area / 1e6
    print(f"{len(frame)} features, {OUTPUT.stat().st_size / 1024:.0f} KiB -> {OUTPUT.relative_to(REPO_ROOT)}")
    print(f"Ukraine (with Crimea): {areas['Ukraine']:,.0f} km² (official: 603,628 km²)")
    print(f"Crimea (with Sevastopol): {areas['Crimea']:,.0f} km² (official: about 27,000 km²)")
    print(f"Ukraine as Natural Earth draws it (without Crimea): {areas['Ukraine'] - areas['Crimea']:,.0f} km²")
    print(f"Russia without Crimea: {areas['Russia']:,.0f} km² (Natural Earth's: {areas['Russia'] + areas['Crimea']:,.0f} km²)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tarball", type=Path, help="use an already downloaded world-atlas-2.0.2.tgz")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        frame = build(fetch_topojson(Path(tmp), args.tarball))
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(to_geojson(frame), encoding="utf-8")
    sanity_check(frame)


if __name__ == "__main__":
    main()
