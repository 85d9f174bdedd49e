"""The tools under comparison and the separate environment for the reference.

ansible-core and mitogen never go into the project's virtualenv: they are
installed into ``.bench/refenv`` (git-ignored), created on first use. Mitogen's
strategy plugins are loaded from that environment through
``ANSIBLE_STRATEGY_PLUGINS``. If the installed mitogen declares a newest
supported ansible-core older than the one installed, a second environment
``.bench/mitoenv`` gets the newest ansible-core it supports, and the Mitogen
runs use that one (the report says so).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BENCH_DIR = REPO / ".bench"


def _longplay_bin() -> Path:
    """longplay beside the running interpreter (``.venv/bin/python bench/run.py``), else the venv's."""
    for candidate in (
        Path(sys.executable).parent / "longplay",
        REPO / ".venv" / "bin" / "longplay",
    ):
        if candidate.exists():
            return candidate
    found = shutil.which("longplay")
    if found is None:
        raise SystemExit("bench: longplay is not installed; run `make demo` or `pip install -e .`")
    return Path(found)


LONGPLAY_BIN = _longplay_bin()

#: What the reference environment gets; pins can be given on the command line.
REFERENCE_PACKAGES = ("ansible-core", "mitogen")

_PROBE = r"""
import json, os, sys
from importlib import metadata
out = {"python": sys.version.split()[0]}
for name in ("ansible-core", "mitogen"):
    try:
        out[name] = metadata.version(name)
    except metadata.PackageNotFoundError:
        out[name] = None
try:
    import ansible_mitogen
    base = os.path.dirname(ansible_mitogen.__file__)
    out["strategy_dir"] = os.path.join(base, "plugins", "strategy")
    text = open(os.path.join(base, "loaders.py")).read()
    scope = {}
    for line in text.splitlines():
        if line.startswith(("ANSIBLE_VERSION_MIN", "ANSIBLE_VERSION_MAX")):
            exec(line, scope)
    out["mitogen_min"] = scope.get("ANSIBLE_VERSION_MIN")
    out["mitogen_max"] = scope.get("ANSIBLE_VERSION_MAX")
except Exception as exc:
    out["strategy_dir"] = None
    out["mitogen_error"] = repr(exc)
print(json.dumps(out))
"""


@dataclass
class RefEnv:
    """One virtual environment holding ansible-core (and maybe mitogen)."""

    path: Path
    info: dict[str, object] = field(default_factory=dict)

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    @property
    def ansible_playbook(self) -> Path:
        return self.path / "bin" / "ansible-playbook"

    def probe(self) -> dict[str, object]:
        out = subprocess.run(
            [str(self.python), "-c", _PROBE], capture_output=True, text=True, check=True
        )
        self.info = json.loads(out.stdout)
        return self.info

    @property
    def ansible_version(self) -> str:
        return str(self.info.get("ansible-core") or "?")

    @property
    def mitogen_version(self) -> str | None:
        value = self.info.get("mitogen")
        return str(value) if value else None

    @property
    def strategy_dir(self) -> str | None:
        value = self.info.get("strategy_dir")
        return str(value) if value else None


def _pip_install(env: Path, requirements: list[str], log: Path) -> None:
    if not (env / "bin" / "python").exists():
        print(f"bench: creating {env}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
    print(f"bench: installing {' '.join(requirements)} into {env}", file=sys.stderr)
    with log.open("ab") as handle:
        done = subprocess.run(
            [str(env / "bin" / "python"), "-m", "pip", "install", "--quiet", *requirements],
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    if done.returncode != 0:
        raise SystemExit(f"bench: pip install into {env} failed; see {log}")


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def ensure_reference(ansible_spec: str = "ansible-core", mitogen_spec: str = "mitogen") -> RefEnv:
    """``.bench/refenv`` with ansible-core and mitogen, created or completed as needed."""
    BENCH_DIR.mkdir(exist_ok=True)
    env = RefEnv(BENCH_DIR / "refenv")
    log = BENCH_DIR / "pip.log"
    if not env.ansible_playbook.exists():
        _pip_install(env.path, [ansible_spec, mitogen_spec], log)
    info = env.probe()
    if not info.get("mitogen"):
        _pip_install(env.path, [mitogen_spec], log)
        env.probe()
    return env


def mitogen_env(reference: RefEnv) -> tuple[RefEnv, str]:
    """The environment to run Mitogen from, and a note on how it was chosen.

    Mitogen releases up to 0.3.2x declared ``ANSIBLE_VERSION_MAX`` in
    ``ansible_mitogen/loaders.py`` and refuse newer ansible-core; newer
    releases only declare a minimum. When the installed ansible-core is above
    a declared maximum, the newest supported ansible-core goes into
    ``.bench/mitoenv``.
    """
    maximum = reference.info.get("mitogen_max")
    minimum = reference.info.get("mitogen_min") or []
    assert isinstance(minimum, list)
    installed = _version_tuple(reference.ansible_version)
    if not maximum:
        return reference, (
            f"mitogen {reference.mitogen_version} declares no newest supported ansible-core "
            f"(only a minimum, {'.'.join(map(str, minimum))}); it runs with ansible-core "
            f"{reference.ansible_version} from the same environment"
        )
    top = tuple(int(x) for x in maximum)  # type: ignore[union-attr]
    if installed[: len(top)] <= top:
        return reference, (
            f"mitogen {reference.mitogen_version} supports ansible-core up to "
            f"{'.'.join(map(str, top))}.x; installed {reference.ansible_version}"
        )
    second = RefEnv(BENCH_DIR / "mitoenv")
    if not second.ansible_playbook.exists():
        upper = f"{top[0]}.{top[1] + 1}"
        _pip_install(
            second.path,
            [f"ansible-core<{upper}", f"mitogen=={reference.mitogen_version}"],
            BENCH_DIR / "pip.log",
        )
    second.probe()
    return second, (
        f"mitogen {reference.mitogen_version} supports ansible-core up to "
        f"{'.'.join(map(str, top))}.x, older than {reference.ansible_version}: the Mitogen "
        f"runs use ansible-core {second.ansible_version} from {second.path}"
    )


def clean_environ() -> dict[str, str]:
    """The caller's environment without ANSIBLE_*/LONGPLAY_*/PYTHON* settings, no colour.

    ``PYTHON*`` goes too: ``PYTHONDONTWRITEBYTECODE`` (set in some CI and
    sandbox shells) would make an editable longplay install compile every
    module on every start, while ansible-core, installed from a wheel, has
    its ``.pyc`` files; that is not how either tool runs for a user.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ANSIBLE_", "LONGPLAY_", "MITOGEN_", "PYTHON"))
    }
    env["NO_COLOR"] = "1"
    env["ANSIBLE_NOCOLOR"] = "1"
    return env


def longplay_version() -> str:
    done = subprocess.run([str(LONGPLAY_BIN), "--version"], capture_output=True, text=True)
    return done.stdout.strip() or done.stderr.strip()


def python_for_targets() -> str:
    """The interpreter both tools use on the (loopback) targets."""
    for candidate in ("/usr/bin/python3", shutil.which("python3") or ""):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return sys.executable
