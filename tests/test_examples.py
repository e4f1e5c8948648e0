"""The operations examples in examples/ parse, and their command lines match the CLI."""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from publisher.cli import _parser
from publisher.render import OUTPUTS
from publisher.triggers import cron_trigger

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SYSTEMD = EXAMPLES / "systemd"


def _cli(command: str) -> tuple[str, object]:
    """Parse a shell command line that runs publisher; returns (program, argparse namespace)."""
    words = shlex.split(command)
    assert Path(words[0]).name == "publisher", command
    try:
        args = _parser().parse_args(words[1:])
    except SystemExit as exc:  # argparse exits on an unknown command or flag
        raise AssertionError(f"the CLI rejects {command!r}") from exc
    return words[0], args


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string((SYSTEMD / name).read_text(encoding="utf-8"), source=name)
    return parser


def test_crontab_line():
    lines = [
        line
        for line in (EXAMPLES / "cron" / "crontab").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    jobs = [line for line in lines if not re.match(r"^[A-Z_]+=", line)]
    assert len(jobs) == 1
    *fields, command = jobs[0].split(maxsplit=5)
    assert len(fields) == 5
    cron_trigger(" ".join(fields))  # a valid crontab schedule
    steps = [step.strip() for step in command.split("&&")]
    _, args = _cli(next(step for step in steps if "publisher" in step.split()[0]))
    assert args.command == "run"
    assert args.due
    assert args.quiet


def test_systemd_service_for_the_scheduler():
    unit = _unit("publisher.service")
    assert {"Unit", "Service", "Install"} <= set(unit.sections())
    service = unit["Service"]
    assert service["Restart"] in ("on-failure", "always", "on-abnormal")
    assert service["KillSignal"] == "SIGTERM"
    assert "$MAINPID" in service["ExecReload"]
    assert "-HUP" in service["ExecReload"]
    _, args = _cli(service["ExecStart"])
    assert args.command == "schedule"
    # systemd waits longer than the scheduler's own bounded wait for jobs in flight
    assert float(service["TimeoutStopSec"]) > args.stop_timeout
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_systemd_timer_alternative():
    service = _unit("publisher-run.service")
    timer = _unit("publisher-run.timer")
    assert service["Service"]["Type"] == "oneshot"
    assert "75" in service["Service"]["SuccessExitStatus"].split()
    _, args = _cli(service["Service"]["ExecStart"])
    assert args.command == "run"
    assert args.due
    assert {"Unit", "Timer", "Install"} <= set(timer.sections())
    assert timer["Timer"]["OnCalendar"]
    assert timer["Install"]["WantedBy"] == "timers.target"


@pytest.mark.slow
def test_systemd_analyze_verify(tmp_path: Path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    program = Path(sys.executable).with_name("publisher")
    if not program.exists():
        pytest.skip(f"no publisher console script next to {sys.executable}")
    names = ["publisher.service", "publisher-run.service", "publisher-run.timer"]
    for name in names:  # point ExecStart at a publisher that exists here
        text = (SYSTEMD / name).read_text(encoding="utf-8")
        (tmp_path / name).write_text(text.replace("/srv/publisher/.venv/bin/publisher",
                                                  str(program)))  # fmt: skip
    done = subprocess.run(
        [analyze, "verify", *(str(tmp_path / name) for name in names)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    ours = [line for line in done.stderr.splitlines() if any(n in line for n in names)]
    assert done.returncode == 0, done.stderr
    assert not ours, done.stderr


def test_ci_workflow_runs_publisher_and_keeps_the_state():
    workflow = yaml.safe_load((EXAMPLES / "ci" / "github-actions.yml").read_text("utf-8"))
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert triggers["schedule"][0]["cron"]
    cron_trigger(triggers["schedule"][0]["cron"])
    assert workflow["concurrency"]["cancel-in-progress"] is False
    (job,) = workflow["jobs"].values()
    steps = job["steps"]
    runs = [step["run"] for step in steps if "run" in step]
    publisher_runs = [run for run in runs if run.startswith("publisher run")]
    assert len(publisher_runs) == 1
    _, args = _cli(publisher_runs[0])
    assert args.command == "run"
    uses = [step.get("uses", "") for step in steps]
    restore = steps[next(i for i, u in enumerate(uses) if u.startswith("actions/cache/restore"))]
    save = steps[next(i for i, u in enumerate(uses) if u.startswith("actions/cache/save"))]
    run_index = next(i for i, s in enumerate(steps) if s.get("run", "").startswith("publisher run"))
    assert steps.index(restore) < run_index < steps.index(save)
    # the cached folder is the state folder of the repository's sources.yaml
    state = yaml.safe_load((ROOT / "sources.yaml").read_text("utf-8"))["site"]["state"]
    assert restore["with"]["path"] == save["with"]["path"] == str(Path(state).parent)
    assert save["if"] == "always()"
    upload = steps[next(i for i, u in enumerate(uses) if "upload-pages-artifact" in u)]
    assert upload["with"]["path"] == "feeds"


def test_nginx_snippet_serves_feed_types_with_etag():
    text = (EXAMPLES / "nginx" / "feeds.conf").read_text(encoding="utf-8")
    assert re.search(r"application/atom\+xml\s+atom\s*;", text)
    assert re.search(r"application/rss\+xml\s+rss\s*;", text)
    # every output kind of the registry, with its media type, served as UTF-8
    charset_types = re.search(r"charset_types([^;]+);", text)
    assert charset_types and re.search(r"^\s*charset utf-8;", text, re.M)
    for output in OUTPUTS.values():
        assert re.search(rf"{re.escape(output.media_type)}\s+{output.extension}\s*;", text)
        assert output.media_type in charset_types.group(1).split()
    for media_type, extension in (("text/x-opml", "opml"), ("text/html", "html")):
        assert re.search(rf"{re.escape(media_type)}\s+{extension}\s*;", text)
        assert media_type in charset_types.group(1).split()
    assert re.search(r"^\s*etag on;", text, re.M)
    assert re.search(r"^\s*root /srv/publisher/feeds;", text, re.M)
    assert text.count("{") == text.count("}")
    config = yaml.safe_load((ROOT / "sources.yaml").read_text("utf-8"))
    host = re.search(r"server_name\s+([^;\s]+)", text)
    assert host
    assert config["site"]["base_url"].rstrip("/").endswith(host.group(1))
