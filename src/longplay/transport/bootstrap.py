"""Ship the agent to a host and start it.

The agent's code (``longplay/agent/`` plus the package's tiny
``__init__``) is named by a SHA-256 of its files' names and contents. The
bootstrap one-liner looks for that version in the host's cache
(``~/.cache/longplay/agent-<digest>/``) and only asks for the code when it
is missing; the controller then packs it into a zip (with that zip's own
SHA-256, checked on arrival) that the host unpacks there once, so later
starts import plain files whose compiled bytecode Python keeps beside them.
Only a host without the cache makes the controller build the zip. Nothing is re-sent and
nothing is recompiled on a second run. The unpacked code is readable by
other users (it is no secret), so an agent started through sudo or su as
another user can run from the same cache. A user whose home cannot hold the
cache (``nobody``: ``/nonexistent``) gets one in the temporary directory.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import longplay

_PACKAGE_DIR = Path(longplay.__file__).parent
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)

#: Run by the target's Python with ``-c``. Kept 3.8-compatible and short.
_BOOTSTRAP = r"""
import os,sys
h=%(digest)r
d=os.path.expanduser(os.environ.get('LONGPLAY_AGENT_CACHE') or '~/.cache/longplay')
p=os.path.join(d,'agent-'+h)
if not os.path.isdir(p):
    import tempfile
    try:os.makedirs(d,mode=0o700,exist_ok=True)
    except OSError:
        d=os.path.join(tempfile.gettempdir(),'longplay-%%d'%%os.getuid())
        if os.path.isdir(d) and os.stat(d).st_uid!=os.getuid():d=tempfile.mkdtemp()
        p=os.path.join(d,'agent-'+h)
if not os.path.isdir(p):
    import hashlib,io,shutil,tempfile,zipfile
    sys.stdout.buffer.write(%(marker)r);sys.stdout.flush()
    n,z=sys.stdin.buffer.readline().split();b=sys.stdin.buffer.read(int(n))
    if hashlib.sha256(b).hexdigest()!=z.decode():sys.stderr.write('longplay: agent bundle corrupted in transit\n');sys.exit(97)
    os.makedirs(d,mode=0o700,exist_ok=True);t=tempfile.mkdtemp(prefix='.agent-',dir=d)
    zipfile.ZipFile(io.BytesIO(b)).extractall(t);os.chmod(t,0o755)
    try:os.rename(t,p)
    except OSError:shutil.rmtree(t,ignore_errors=True)
sys.path.insert(0,p)
from longplay.agent.main import main
main()
"""


def _agent_files() -> list[Path]:
    return [_PACKAGE_DIR / "__init__.py", *sorted((_PACKAGE_DIR / "agent").rglob("*.py"))]


@lru_cache(maxsize=1)
def agent_digest() -> str:
    """The SHA-256 that names this version of the agent's code in a host's cache.

    Hashes each file's name, size and bytes, so every run can name the
    version without building the zip that only a host lacking it needs.
    """
    digest = hashlib.sha256()
    for path in _agent_files():
        data = path.read_bytes()
        digest.update(b"%s\0%d\0" % (_bundle_name(path).encode(), len(data)))
        digest.update(data)
    return digest.hexdigest()


@lru_cache(maxsize=1)
def agent_bundle() -> tuple[str, bytes]:
    """Return (sha256 hex digest of the zip, zip bytes) of the agent's code.

    Stored, not deflated: it crosses the network once per host and version.
    The digest lets the host check what arrived before unpacking it.
    """
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for path in _agent_files():
            info = zipfile.ZipInfo(_bundle_name(path), date_time=_FIXED_TIME)
            archive.writestr(info, path.read_bytes())
    data = buffer.getvalue()
    return hashlib.sha256(data).hexdigest(), data


def _bundle_name(path: Path) -> str:
    return "longplay/" + path.relative_to(_PACKAGE_DIR).as_posix()


def bootstrap_command(python: str) -> list[str]:
    """The argv that starts the agent with ``python`` on the target."""
    from longplay.agent.protocol import SEND_BUNDLE_MARKER

    # -S: the agent needs nothing from site-packages, and skipping ``site``
    # saves a few milliseconds on every host at every start.
    code = _BOOTSTRAP % {"digest": agent_digest(), "marker": SEND_BUNDLE_MARKER}
    return [python, "-S", "-c", code]
