"""apt: manage Debian packages with apt-get, apt-cache and dpkg-query.

Works with the command-line tools only (no python3-apt needed on the host):
``apt-cache policy`` tells what is installed and what could be, ``apt-get``
does the work, and check mode runs the same ``apt-get`` with ``--simulate``
so ``-C`` reports exactly what apt would do without changing anything. A
change is detected from apt-get's own summary (``0 upgraded, 0 newly
installed, ...`` means nothing happened).

Result keys follow ansible-core's apt: ``changed``, ``cache_updated`` and
``cache_update_time`` (for installs and cache updates), ``stdout``/``stderr``
(when apt-get ran), ``msg`` (upgrades and failures), ``diff`` (``prepared``:
apt-get's output) with ``--diff``.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
import shutil
import time

from longplay.agent.registry import ModuleFailed, Option, module

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional, Set, Tuple

OPTIONS = {
    "name": Option(type="list", elements="str", aliases=("package", "pkg")),
    "state": Option(
        default="present",
        choices=("absent", "build-dep", "fixed", "latest", "present"),
    ),
    "update_cache": Option(type="bool", aliases=("update-cache",)),
    "update_cache_retries": Option(type="int", default=5),
    "update_cache_retry_max_delay": Option(type="int", default=12),
    "cache_valid_time": Option(type="int", default=0),
    "purge": Option(type="bool", default=False),
    "default_release": Option(aliases=("default-release",)),
    "install_recommends": Option(type="bool", aliases=("install-recommends",)),
    "force": Option(type="bool", default=False),
    "clean": Option(type="bool", default=False),
    "allow_unauthenticated": Option(type="bool", default=False, aliases=("allow-unauthenticated",)),
    "allow_downgrade": Option(
        type="bool",
        default=False,
        aliases=("allow-downgrade", "allow_downgrades", "allow-downgrades"),
    ),
    "allow_change_held_packages": Option(type="bool", default=False),
    # raw: YAML's yes/no arrive as booleans and mean the choices "yes"/"no"
    "upgrade": Option(type="raw"),
    "dpkg_options": Option(default="force-confdef,force-confold"),
    "deb": Option(type="path"),
    "autoremove": Option(type="bool", default=False),
    "autoclean": Option(type="bool", default=False),
    "fail_on_autoremove": Option(type="bool", default=False),
    "only_upgrade": Option(type="bool", default=False),
    "force_apt_get": Option(type="bool", default=False),
    "lock_timeout": Option(type="int", default=60),
    "policy_rc_d": Option(type="int"),
    "auto_install_module_deps": Option(type="bool", default=True),
}

#: apt-get's summary when it did (or would do) nothing
NOTHING_DONE = "0 upgraded, 0 newly installed"
LISTS_DIR = "/var/lib/apt/lists"
UPDATE_STAMP = "/var/lib/apt/periodic/update-success-stamp"
POLICY_RC_D = "/usr/sbin/policy-rc.d"
SBIN_DIRS = ("/usr/local/sbin", "/usr/sbin", "/sbin")


UPGRADES = ("dist", "full", "no", "safe", "yes")


@module("apt", options=OPTIONS)
def apt(args: Dict[str, Any], ctx: Any) -> Dict[str, Any]:
    """Install, upgrade or remove Debian packages, refresh the package lists."""
    given = [args[name] is not None for name in ("deb", "name", "upgrade")]
    if sum(given) > 1:
        # ansible-core names the group by the alias "package", and counts an
        # explicit ``upgrade: no`` too
        raise ModuleFailed("parameters are mutually exclusive: deb|package|upgrade")
    upgrade = args["upgrade"]
    if isinstance(upgrade, bool):
        upgrade = "yes" if upgrade else "no"
    upgrade = "no" if upgrade is None else str(upgrade)
    if upgrade not in UPGRADES:
        raise ModuleFailed(
            "value of upgrade must be one of: {}, got: {}".format(", ".join(UPGRADES), upgrade)
        )
    args["upgrade"] = upgrade
    apt_ = Apt(args, ctx)
    return apt_.run()


class Apt:
    """One apt task: its arguments, the host's tools and the commands run."""

    def __init__(self, args: Dict[str, Any], ctx: Any) -> None:
        self.args = args
        self.ctx = ctx
        ctx.environment.update(
            {
                "DEBIAN_FRONTEND": "noninteractive",
                "DEBCONF_NONINTERACTIVE_SEEN": "true",
                "LANG": "C",
                "LC_ALL": "C",
                "LC_MESSAGES": "C",
            }
        )
        self.apt_get = self.which("apt-get")
        if self.apt_get is None:
            raise ModuleFailed(
                "Could not find apt-get on the host: the apt module needs a Debian-based system"
            )
        self.cache_updated = False

    # --- helpers --------------------------------------------------------------

    def which(self, program: str) -> Optional[str]:
        path = self.ctx.env().get("PATH", os.defpath)
        return shutil.which(program, path=os.pathsep.join([path, *SBIN_DIRS]))

    def run(self) -> Dict[str, Any]:
        args = self.args
        if args["cache_valid_time"] and args["update_cache"] is None:
            args["update_cache"] = True
        if args["update_cache"]:
            self.update_cache()
        if args["clean"]:
            cleaned = self.clean()
            if not self.has_work(include_cache=True):
                return cleaned
        if args["policy_rc_d"] is not None and not self.ctx.check_mode:
            with PolicyRcD(args["policy_rc_d"]):
                return self.dispatch()
        return self.dispatch()

    def has_work(self, include_cache: bool = False) -> bool:
        args = self.args
        return bool(
            args["name"]
            or args["deb"]
            or args["upgrade"] != "no"
            or args["autoremove"]
            or args["autoclean"]
            or (include_cache and args["update_cache"])
        )

    def dispatch(self) -> Dict[str, Any]:
        args = self.args
        if args["upgrade"] != "no":
            return self.upgrade()
        if args["deb"]:
            return self.install_deb()
        names = [name for name in (args["name"] or []) if name]
        if not names:
            if args["autoremove"] or args["autoclean"]:
                return self.cleanup("autoclean" if args["autoclean"] else "autoremove")
            return self.cache_result({"changed": self.cache_updated})
        if args["state"] == "absent":
            return self.remove(names)
        if args["state"] == "build-dep":
            return self.build_dep(names)
        return self.install(names)

    def cache_time(self) -> int:
        for path in (UPDATE_STAMP, LISTS_DIR):
            try:
                return int(os.stat(path).st_mtime)
            except OSError:
                continue
        return 0

    def cache_result(self, result: Dict[str, Any]) -> Dict[str, Any]:
        result["cache_updated"] = self.cache_updated
        result["cache_update_time"] = self.cache_time()
        return result

    def command(self, argv: List[str]) -> Tuple[int, str, str]:
        return self.ctx.run_command(argv)

    def base_argv(self, for_install: bool = False) -> List[str]:
        """apt-get with the options every changing command takes."""
        args = self.args
        argv = [self.apt_get or "apt-get", "-y"]
        for option in (args["dpkg_options"] or "").split(","):
            option = option.strip()
            if option:
                argv += ["-o", f"Dpkg::Options::=--{option}"]
        argv += ["-o", f"DPkg::Lock::Timeout={args['lock_timeout']}"]
        if args["force"]:
            argv.append("--force-yes")
        if for_install:
            if args["install_recommends"] is True:
                argv += ["-o", "APT::Install-Recommends=yes"]
            elif args["install_recommends"] is False:
                argv.append("--no-install-recommends")
            if args["default_release"]:
                argv += ["-t", args["default_release"]]
            if args["allow_unauthenticated"] and not args["force"]:
                argv.append("--allow-unauthenticated")
            if args["allow_downgrade"] and not args["force"]:
                argv.append("--allow-downgrades")
            if args["allow_change_held_packages"]:
                argv.append("--allow-change-held-packages")
            if args["fail_on_autoremove"]:
                argv.append("--no-remove")
        if self.ctx.check_mode:
            argv.append("--simulate")
        return argv

    def failed(
        self, argv: List[str], rc: int, out: str, err: str, with_cache: bool = True
    ) -> ModuleFailed:
        extra: Dict[str, Any] = {"rc": rc, "stdout": out, "stderr": err}
        if with_cache:
            extra = self.cache_result(extra)
        return ModuleFailed(f"'{_join(argv)}' failed: {err}", **extra)

    def outcome(self, out: str, err: str, changed: bool) -> Dict[str, Any]:
        result: Dict[str, Any] = {"changed": changed, "stdout": out, "stderr": err}
        if self.ctx.diff:
            result["diff"] = {"prepared": _plan(out)}
        return result

    # --- the package lists ------------------------------------------------------

    def update_cache(self) -> None:
        valid = self.args["cache_valid_time"]
        if valid and time.time() - self.cache_time() < valid:
            return
        if self.ctx.check_mode:
            self.cache_updated = True
            return
        before = self.cache_time()
        retries = max(1, self.args["update_cache_retries"])
        max_delay = self.args["update_cache_retry_max_delay"]
        err = ""
        for attempt in range(retries):
            rc, _out, err = self.command([self.apt_get or "apt-get", "update", "-q"])
            if rc == 0 and not _update_had_errors(err):
                # as ansible-core: "updated" when apt's record of the last
                # update moved (an update that fetched nothing new does not)
                self.cache_updated = self.cache_time() != before
                return
            if attempt + 1 < retries:
                time.sleep(min(2**attempt, max_delay))
        raise ModuleFailed(f"Failed to update apt cache: {err.strip() or 'unknown reason'}")

    def clean(self) -> Dict[str, Any]:
        if self.ctx.check_mode:
            out, err = "", ""
        else:
            argv = [self.apt_get or "apt-get", "clean"]
            rc, out, err = self.command(argv)
            if rc != 0:
                raise ModuleFailed(f"apt-get clean failed: {err}", rc=rc, stdout=out, stderr=err)
        result = {"changed": True, "msg": out, "stdout": out, "stderr": err}
        if self.ctx.diff:
            result["diff"] = {"prepared": _plan(out)}
        return result

    def policy(self, names: List[str]) -> Dict[str, Dict[str, Any]]:
        """``apt-cache policy``: per package, installed and candidate versions and all known."""
        found: Dict[str, Dict[str, Any]] = {}
        if not names:
            return found
        apt_cache = self.which("apt-cache") or "apt-cache"
        _rc, out, _err = self.command([apt_cache, "policy", *names])
        current: Optional[Dict[str, Any]] = None
        in_table = False
        for line in out.splitlines():
            if line and not line[0].isspace() and line.endswith(":"):
                current = {"installed": None, "candidate": None, "versions": []}
                found[line[:-1]] = current
                in_table = False
                continue
            if current is None:
                continue
            stripped = line.strip()
            if stripped.startswith("Installed:"):
                current["installed"] = _version_or_none(stripped.split(":", 1)[1])
            elif stripped.startswith("Candidate:"):
                current["candidate"] = _version_or_none(stripped.split(":", 1)[1])
            elif stripped.startswith("Version table:"):
                in_table = True
            elif in_table:
                match = _VERSION_LINE.match(line)
                if match:
                    current["versions"].append(match.group(2))
        return found

    def all_names(self) -> List[str]:
        apt_cache = self.which("apt-cache") or "apt-cache"
        _rc, out, _err = self.command([apt_cache, "pkgnames"])
        return sorted(set(out.split()))

    def installed(self, patterns: List[str]) -> Dict[str, Tuple[str, str]]:
        """Package -> (dpkg status word, version) for those dpkg knows of."""
        query = self.which("dpkg-query") or "dpkg-query"
        _rc, out, _err = self.command(
            [query, "-W", "-f=${Package}\t${Status}\t${Version}\n", *patterns]
        )
        known = {}
        for line in out.splitlines():
            parts = line.split("\t")
            if len(parts) == 3:
                status = parts[1].split()
                known[parts[0]] = (status[-1] if status else "", parts[2])
        return known

    # --- operations ---------------------------------------------------------------

    def install(self, names: List[str]) -> Dict[str, Any]:
        args = self.args
        wanted = [_split_spec(name) for name in names]
        glob_matches: Set[str] = set()
        globbed = [spec for spec in wanted if _is_glob(spec[0])]
        if globbed:
            every = self.all_names()
            expanded: List[Tuple[str, str, str]] = []
            for pkg, op, version in wanted:
                if not _is_glob(pkg):
                    expanded.append((pkg, op, version))
                    continue
                matches = [name for name in every if fnmatch.fnmatch(name, pkg)]
                if not matches:
                    raise ModuleFailed(f"No package matching '{pkg}' is available")
                # as ansible-core: each match is asked for at its candidate version
                for name in matches:
                    glob_matches.add(name)
                    expanded.append((name, op, version))
            wanted = expanded
        info = self.policy([pkg for pkg, _op, _version in wanted])
        targets: List[str] = []
        for pkg, op, version in wanted:
            spec = pkg + op + version
            known = info.get(pkg)
            if known is None and ":" in pkg:
                # apt-cache drops the native architecture from its headings
                known = info.get(pkg.split(":", 1)[0])
            if known is None:
                raise ModuleFailed(
                    f"No package matching '{spec if op == '=' else pkg}' is available"
                )
            installed, candidate = known["installed"], known["candidate"]
            if args["only_upgrade"] and installed is None:
                continue
            if op == "=":
                if installed is not None and fnmatch.fnmatch(installed, version):
                    continue
                chosen = next(
                    (found for found in known["versions"] if fnmatch.fnmatch(found, version)),
                    None,
                )
                if chosen is None:
                    raise ModuleFailed(
                        f"no available installation candidate for {spec}",
                        **self.cache_result({"changed": False}),
                    )
                targets.append(f"{pkg}={chosen}")
                continue
            if op == ">=":
                if installed is not None and self.version_ge(installed, version):
                    continue
                if candidate is None or not self.version_ge(candidate, version):
                    raise ModuleFailed(
                        f"no available installation candidate for {spec}",
                        **self.cache_result({"changed": False}),
                    )
                targets.append(f"{pkg}={candidate}")
                continue
            if pkg in glob_matches and candidate is not None:
                if installed is None or (args["state"] == "latest" and installed != candidate):
                    targets.append(f"{pkg}={candidate}")
                continue
            if installed is None:
                if candidate is None and not known["versions"]:
                    # a virtual package: fine when one of its providers is installed
                    providers = self.providers(pkg)
                    if not providers:
                        raise ModuleFailed(f"No package matching '{pkg}' is available")
                    if any(
                        status == "installed" for status, _v in self.installed(providers).values()
                    ):
                        continue
                targets.append(pkg)
            elif args["state"] == "latest" and candidate is not None and installed != candidate:
                targets.append(pkg)
        if not targets:
            return self.cache_result({"changed": False})
        argv = self.base_argv(for_install=True)
        if args["only_upgrade"]:
            argv.append("--only-upgrade")
        if args["state"] == "fixed":
            argv.append("--fix-broken")
        if args["autoremove"]:
            argv.append("--auto-remove")
        argv += ["install", *targets]
        rc, out, err = self.command(argv)
        if rc != 0:
            raise self.failed(argv, rc, out, err)
        return self.cache_result(self.outcome(out, err, _did_something(out)))

    def providers(self, name: str) -> List[str]:
        """The packages that provide virtual package ``name`` (``apt-cache showpkg``)."""
        apt_cache = self.which("apt-cache") or "apt-cache"
        rc, out, _err = self.command([apt_cache, "showpkg", name])
        section = out.split("Reverse Provides:", 1)
        if rc != 0 or len(section) != 2:
            return []
        names = [line.split()[0] for line in section[1].splitlines() if line.strip()]
        return sorted(set(names))

    def version_ge(self, left: str, right: str) -> bool:
        dpkg = self.which("dpkg") or "dpkg"
        rc, _out, _err = self.command([dpkg, "--compare-versions", left, "ge", right])
        return rc == 0

    def remove(self, names: List[str]) -> Dict[str, Any]:
        args = self.args
        patterns = [_split_spec(name) for name in names]
        known = self.installed([pkg for pkg, _op, _version in patterns])
        targets: List[str] = []
        for pkg, op, version in patterns:
            for name, (status, installed) in sorted(known.items()):
                base = pkg.split(":", 1)[0]  # dpkg-query shows names without the arch
                if not fnmatch.fnmatch(name, pkg) and not fnmatch.fnmatch(name, base):
                    continue
                if op == "=" and not fnmatch.fnmatch(installed, version):
                    continue
                if status == "not-installed" or (status == "config-files" and not args["purge"]):
                    continue
                if name not in targets:
                    targets.append(name)
        if not targets:
            return {"changed": False}
        argv = self.base_argv()
        argv.append("-q")
        if args["purge"]:
            argv.append("--purge")
        if args["autoremove"]:
            argv.append("--auto-remove")
        if args["allow_change_held_packages"]:
            argv.append("--allow-change-held-packages")
        argv += ["remove", *targets]
        rc, out, err = self.command(argv)
        if rc != 0:
            # ansible-core names only the packages here, not the options
            shown = " ".join(f"'{name}'" for name in targets)
            raise ModuleFailed(
                f"'apt-get remove {shown}' failed: {err}", rc=rc, stdout=out, stderr=err
            )
        return self.outcome(out, err, _did_something(out))

    def build_dep(self, names: List[str]) -> Dict[str, Any]:
        argv = [*self.base_argv(for_install=True), "build-dep", *names]
        rc, out, err = self.command(argv)
        if rc != 0:
            raise self.failed(argv, rc, out, err)
        return self.cache_result(self.outcome(out, err, _did_something(out)))

    def cleanup(self, operation: str) -> Dict[str, Any]:
        argv = self.base_argv()
        if self.args["purge"] and operation == "autoremove":
            argv.append("--purge")
        argv.append(operation)
        rc, out, err = self.command(argv)
        if rc != 0:
            raise ModuleFailed(f"'{_join(argv)}' failed: {err}", rc=rc, stdout=out, stderr=err)
        if operation == "autoremove":
            changed = "The following packages will be REMOVED" in out
        else:
            changed = any(line.startswith("Del ") for line in out.splitlines())
        return self.outcome(out, err, changed)

    def upgrade(self) -> Dict[str, Any]:
        args = self.args
        argv = self.base_argv(for_install=True)
        if args["autoremove"]:
            argv.append("--auto-remove")
        if args["upgrade"] in ("dist", "full"):
            argv.append("dist-upgrade")
        else:
            argv += ["upgrade", "--with-new-pkgs"]
        rc, out, err = self.command(argv)
        if rc != 0:
            raise ModuleFailed(f"'{_join(argv)}' failed: {err}", rc=rc, stdout=out, stderr=err)
        result = self.outcome(out, err, _did_something(out))
        result["msg"] = out
        return result

    def install_deb(self) -> Dict[str, Any]:
        path = self.args["deb"]
        if "://" in path:
            path = self.download(path)
        if not os.path.isfile(path):
            raise ModuleFailed(
                f"Unable to install package: E:Could not open file {path} - open (2: No such file or directory)"
            )
        dpkg_deb = self.which("dpkg-deb") or "dpkg-deb"
        rc, out, err = self.command([dpkg_deb, "-f", path, "Package", "Version"])
        if rc != 0:
            raise ModuleFailed(f"Unable to install package: {err.strip() or out.strip()}")
        fields = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
        pkg, version = fields.get("Package", ""), fields.get("Version", "")
        current = self.installed([pkg]).get(pkg) if pkg else None
        if current and current[0] == "installed" and current[1] == version:
            return {"changed": False, "stdout": "", "stderr": ""}
        path = os.path.abspath(path)
        argv = self.base_argv(for_install=True)
        if self.args["allow_downgrade"] and "--allow-downgrades" not in argv:
            argv.append("--allow-downgrades")
        argv += ["install", path]
        simulated = argv if self.ctx.check_mode else [*argv[:-2], "--simulate", *argv[-2:]]
        rc, out, err = self.command(simulated)
        if rc != 0:
            raise self.failed(argv, rc, out, err, with_cache=False)
        others = [name for name in _planned_installs(out) if name != pkg]
        if not others:
            # nothing else needed: dpkg itself, as ansible-core does
            dpkg = self.which("dpkg") or "dpkg"
            argv = [dpkg]
            for option in (self.args["dpkg_options"] or "").split(","):
                if option.strip():
                    argv.append(f"--{option.strip()}")
            if self.ctx.check_mode:
                argv.append("--simulate")
            argv += ["-i", path]
        elif self.ctx.check_mode:
            return self.outcome(out, err, True)
        rc, out, err = self.command(argv)
        if rc != 0:
            raise self.failed(argv, rc, out, err, with_cache=False)
        return self.outcome(out, err, True)

    def download(self, url: str) -> str:
        import urllib.request

        directory = self.ctx.make_temp_dir()
        target = os.path.join(directory, os.path.basename(url.split("?", 1)[0]) or "package.deb")
        try:
            with urllib.request.urlopen(url, timeout=60) as response, open(target, "wb") as out:
                shutil.copyfileobj(response, out)
        except Exception as exc:
            raise ModuleFailed(f"Failure downloading {url}, {exc}")
        return target


class PolicyRcD:
    """Put a /usr/sbin/policy-rc.d answering ``exit N`` in place while apt runs."""

    def __init__(self, code: int) -> None:
        self.code = code
        self.backup: Optional[str] = None

    def __enter__(self) -> PolicyRcD:
        if os.path.exists(POLICY_RC_D):
            self.backup = POLICY_RC_D + ".longplay-backup"
            os.rename(POLICY_RC_D, self.backup)
        with open(POLICY_RC_D, "w") as handle:
            handle.write(f"#!/bin/sh\nexit {self.code}\n")
        os.chmod(POLICY_RC_D, 0o755)
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            os.remove(POLICY_RC_D)
        except OSError:
            pass
        if self.backup is not None:
            os.rename(self.backup, POLICY_RC_D)


_VERSION_LINE = re.compile(r"^ (\*\*\*| {3}) (\S+) (-?\d+)$")


def _plan(out: str) -> str:
    """apt-get's account of what it does, as ``--diff`` shows it.

    The lines after apt's "Reading state information..." preamble, through
    its summary ("N upgraded, N newly installed, ..."): the packages to be
    installed, upgraded or removed, without the per-package Inst/Conf steps.
    """
    lines = out.splitlines()
    start = 0
    for index, line in enumerate(lines):
        if line.startswith("Reading state information"):
            start = index + 1
            break
    end = len(lines)
    for index in range(start, len(lines)):
        if re.match(r"\d+ (packages )?upgraded", lines[index]):
            end = index + 1
            break
    return "\n".join(lines[start:end])


def _planned_installs(out: str) -> List[str]:
    """Packages an ``apt-get --simulate`` run would install (its ``Inst`` lines)."""
    return [line.split()[1] for line in out.splitlines() if line.startswith("Inst ")]


def _version_or_none(text: str) -> Optional[str]:
    text = text.strip()
    return None if not text or text == "(none)" else text


def _split_spec(name: str) -> Tuple[str, str, str]:
    """``pkg``, ``pkg=1.0*`` or ``pkg>=1.0`` -> (package, operator, version)."""
    name = name.strip()
    for op in (">=", "="):
        if op in name:
            pkg, _, version = name.partition(op)
            return pkg.strip(), op, version.strip()
    return name, "", ""


def _is_glob(name: str) -> bool:
    return any(char in name for char in "*?[")


_SUMMARY = re.compile(r"^(\d+) upgraded, (\d+) newly installed, (.*) not upgraded\.?$", re.M)


def _did_something(out: str) -> bool:
    """Whether apt-get's summary line counts any upgrade, install, downgrade or removal."""
    match = _SUMMARY.search(out)
    if match is None:
        return NOTHING_DONE not in out
    counts = [int(match.group(1)), int(match.group(2))]
    counts += [
        int(number) for number in re.findall(r"(\d+) (?:downgraded|to remove)", match.group(3))
    ]
    return any(counts)


def _update_had_errors(err: str) -> bool:
    return any(line.startswith("E:") for line in err.splitlines())


_OPERATIONS = frozenset(("install", "remove", "build-dep", "autoremove", "autoclean"))


def _join(argv: List[str]) -> str:
    """The command as ansible-core's apt shows it in failures (its quoting, not the shell's)."""
    words = []
    operands = False
    for word in argv:
        if operands and not word.startswith("-"):
            words.append(f"'{word}'")
        elif word.startswith("Dpkg::Options::="):
            words.append(f'"{word}"')
        else:
            words.append(word if " " not in word else shlex.quote(word))
        operands = operands or word in _OPERATIONS
    return " ".join(words)
