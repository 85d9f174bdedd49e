"""HTTP(S), file:// and ftp:// requests for get_url, uri and unarchive.

Runs on target hosts, so it is built on the standard library's
``urllib.request`` (with ``ssl`` for certificate checks), never on a
hand-written socket protocol. It mirrors what Ansible's ``fetch_url`` gives
its modules: :func:`fetch` never raises for HTTP or network trouble; it
returns a :class:`Response` whose ``status`` is the HTTP status, ``-1`` for a
connection failure, or ``None`` for a non-HTTP URL, and whose ``msg`` reads
like Ansible's (``OK (12 bytes)``, ``HTTP Error 500: ...``,
``Request failed: <urlopen error ...>``). Modules decide what is a failure.

Standard library only, Python >= 3.8.
"""

from __future__ import annotations

import base64
import email.message
import email.utils
import http.client
import http.cookiejar
import netrc
import os
import socket
import ssl
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zlib

from longplay.agent.registry import Option

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO, Any, Dict, Iterator, List, Mapping, Optional, Tuple

DEFAULT_AGENT = "longplay-httpget"
CHUNK = 64 * 1024

#: Options shared by every module that makes requests (names as in Ansible).
URL_OPTIONS: Dict[str, Option] = {
    "headers": Option(type="dict", default={}),
    "url_username": Option(aliases=("username", "user")),
    "url_password": Option(aliases=("password",), no_log=True),
    "force_basic_auth": Option(type="bool", default=False),
    "validate_certs": Option(type="bool", default=True),
    "use_proxy": Option(type="bool", default=True),
    "use_netrc": Option(type="bool", default=True),
    "http_agent": Option(default=DEFAULT_AGENT),
    "client_cert": Option(type="path"),
    "client_key": Option(type="path"),
    "ca_path": Option(type="path"),
    "unredirected_headers": Option(type="list", elements="str", default=[]),
    "decompress": Option(type="bool", default=True),
}

#: Ansible's ``follow_redirects`` values; yes/no are its legacy spellings.
REDIRECT_POLICIES = ("all", "no", "none", "safe", "urllib2", "yes")

_BODY_HEADERS = ("content-length", "content-type", "transfer-encoding")


class RequestSettings:
    """Everything that shapes one request, gathered from module arguments."""

    def __init__(
        self,
        url: str,
        method: str = "GET",
        data: Optional[bytes] = None,
        headers: Optional[Mapping[str, Any]] = None,
        timeout: float = 10,
        follow_redirects: str = "safe",
        force: bool = False,
        last_modified: Optional[float] = None,
        env: Optional[Mapping[str, str]] = None,
        **options: Any,
    ) -> None:
        self.url = url
        self.method = method.upper()
        self.data = data
        self.headers = {str(k): str(v) for k, v in (headers or {}).items() if v is not None}
        self.timeout = timeout
        self.follow_redirects = follow_redirects
        self.force = force
        self.last_modified = last_modified
        self.env = dict(env if env is not None else os.environ)
        self.url_username: Optional[str] = options.get("url_username")
        self.url_password: Optional[str] = options.get("url_password")
        self.force_basic_auth = bool(options.get("force_basic_auth"))
        self.validate_certs = options.get("validate_certs", True) is not False
        self.use_proxy = options.get("use_proxy", True) is not False
        self.use_netrc = options.get("use_netrc", True) is not False
        self.http_agent: str = options.get("http_agent") or DEFAULT_AGENT
        self.client_cert: Optional[str] = options.get("client_cert")
        self.client_key: Optional[str] = options.get("client_key")
        self.ca_path: Optional[str] = options.get("ca_path")
        self.unredirected_headers = [h.lower() for h in options.get("unredirected_headers") or []]
        self.decompress = options.get("decompress", True) is not False

    @classmethod
    def from_args(cls, args: Mapping[str, Any], **overrides: Any) -> RequestSettings:
        """Settings from a module's arguments (the ``URL_OPTIONS`` keys)."""
        options: Dict[str, Any] = {name: args.get(name) for name in URL_OPTIONS}
        options.update(overrides)
        return cls(**options)


class Response:
    """The outcome of :func:`fetch`: a status, headers and a body to read.

    For HTTP errors the body is the error page (still readable, as the uri
    module reports it); for connection failures there is no body.
    """

    def __init__(
        self,
        url: str,
        status: Optional[int],
        msg: str,
        headers: Optional[Dict[str, str]] = None,
        body: Optional[IO[bytes]] = None,
        redirected: bool = False,
        cookies: Optional[Dict[str, str]] = None,
        error: bool = False,
    ) -> None:
        self.url = url
        self.status = status
        self.msg = msg
        self.headers = headers or {}
        self.redirected = redirected
        self.cookies = cookies or {}
        self.error = error
        self._body = body
        self._decoder = _decoder_for(self.headers)

    @property
    def connected(self) -> bool:
        """False when no response came back at all (status -1)."""
        return self.status != -1

    def chunks(self) -> Iterator[bytes]:
        """The body, decompressed when the server sent it gzip-encoded."""
        if self._body is None:
            return
        while True:
            block = self._body.read(CHUNK)
            if not block:
                break
            yield self._decoder.decompress(block) if self._decoder else block
        if self._decoder is not None:
            yield self._decoder.flush()

    def read(self) -> bytes:
        return b"".join(self.chunks())

    def close(self) -> None:
        if self._body is not None:
            try:
                self._body.close()
            except OSError:
                pass

    @property
    def cookies_string(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def header_keys(self) -> Dict[str, str]:
        """Response headers as result keys: lower case, dashes as underscores."""
        return {name.replace("-", "_"): value for name, value in self.headers.items()}


def _decoder_for(headers: Mapping[str, str]) -> Any:
    encoding = headers.get("content-encoding", "").lower()
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj()
    return None


# --- redirects ---------------------------------------------------------------


class _RedirectPolicy(urllib.request.HTTPRedirectHandler):
    """Follow redirects the way Ansible's ``follow_redirects`` values mean.

    ``none``: never. ``safe``: only GET/HEAD. ``urllib2``: what urllib did in
    Python 2 (GET/HEAD always, POST turned into GET on 301/302/303).
    ``all``: every method; 307/308 keep the method and body, 301/302/303
    turn a non-HEAD request into a GET. Declining a redirect makes urllib
    raise the 3xx as an HTTP error, which is what the reference reports.
    """

    def __init__(self, policy: str, settings: RequestSettings) -> None:
        self.policy = {"yes": "all", "no": "none"}.get(policy, policy)
        self.settings = settings

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> Optional[urllib.request.Request]:
        method = req.get_method()
        if not self._allowed(method, code):
            return None
        # req.headers holds only the redirectable headers: credentials from
        # the auth handlers, cookies and unredirected_headers live elsewhere.
        carried = dict(req.headers)
        data = req.data
        if code not in (307, 308):
            data = None
            carried = {k: v for k, v in carried.items() if k.lower() not in _BODY_HEADERS}
            if (code in (302, 303) and method != "HEAD") or (code == 301 and method == "POST"):
                method = "GET"
        if urllib.parse.urlsplit(newurl).netloc != urllib.parse.urlsplit(req.full_url).netloc:
            carried = {k: v for k, v in carried.items() if k.lower() != "authorization"}
        return urllib.request.Request(
            newurl.replace(" ", "%20"),
            data=data,
            headers=carried,
            origin_req_host=req.origin_req_host,
            unverifiable=True,
            method=method,
        )

    def _allowed(self, method: str, code: int) -> bool:
        if self.policy == "none":
            return False
        if self.policy == "all":
            return True
        if method in ("GET", "HEAD"):
            return self.policy in ("safe", "urllib2")
        return self.policy == "urllib2" and method == "POST" and code in (301, 302, 303)

    # Python 3.8 has no handler for 308.
    http_error_308 = urllib.request.HTTPRedirectHandler.http_error_302


# --- building the opener -----------------------------------------------------


def _ssl_context(settings: RequestSettings) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=settings.ca_path)
    if settings.client_cert:
        context.load_cert_chain(settings.client_cert, settings.client_key)
    if not settings.validate_certs:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _proxies(settings: RequestSettings, host: str) -> Dict[str, str]:
    """Proxies from the task's environment (not just the agent's own)."""
    if not settings.use_proxy:
        return {}
    proxies: Dict[str, str] = {}
    for name, value in settings.env.items():
        lowered = name.lower()
        if value and lowered.endswith("_proxy"):
            proxies[lowered[: -len("_proxy")]] = value
    bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
    if host and bypass(host, proxies):
        return {}
    proxies.pop("no", None)
    return proxies


class _Credentials:
    """Where to send the request and who to authenticate as."""

    def __init__(self, settings: RequestSettings) -> None:
        parts = urllib.parse.urlsplit(settings.url)
        self.url = settings.url
        self.username = settings.url_username
        self.password = settings.url_password or ""
        self.forced = settings.force_basic_auth
        if parts.username is not None:
            # user:pass@host in the URL: strip it, use it unless options say otherwise
            netloc = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
            self.url = urllib.parse.urlunsplit(parts._replace(netloc=netloc))
            if self.username is None:
                self.username = urllib.parse.unquote(parts.username)
                self.password = urllib.parse.unquote(parts.password or "")
        if self.username is None and settings.use_netrc and parts.hostname:
            found = _netrc_login(parts.hostname, settings.env)
            if found is not None:
                self.username, self.password = found
                self.forced = True


def _netrc_login(host: str, env: Mapping[str, str]) -> Optional[Tuple[str, str]]:
    path = env.get("NETRC") or os.path.expanduser("~/.netrc")
    if not os.path.isfile(path):
        return None
    try:
        entry = netrc.netrc(path).authenticators(host)
    except (netrc.NetrcParseError, OSError):
        return None
    if not entry:
        return None
    return entry[0] or "", entry[2] or ""


def _build(
    settings: RequestSettings, jar: http.cookiejar.CookieJar
) -> Tuple[urllib.request.OpenerDirector, urllib.request.Request]:
    creds = _Credentials(settings)
    host = urllib.parse.urlsplit(creds.url).hostname or ""
    handlers: List[Any] = [
        urllib.request.ProxyHandler(_proxies(settings, host)),
        urllib.request.HTTPSHandler(context=_ssl_context(settings)),
        urllib.request.HTTPCookieProcessor(jar),
        _RedirectPolicy(settings.follow_redirects, settings),
    ]
    headers = {"User-Agent": settings.http_agent}
    if creds.username is not None and creds.forced:
        token = base64.b64encode(f"{creds.username}:{creds.password}".encode())
        headers["Authorization"] = "Basic " + token.decode("ascii")
    elif creds.username is not None:
        manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        manager.add_password(None, creds.url, creds.username, creds.password)
        handlers.append(urllib.request.HTTPBasicAuthHandler(manager))
        handlers.append(urllib.request.HTTPDigestAuthHandler(manager))
    if settings.decompress:
        headers["Accept-Encoding"] = "gzip"
    if settings.force:
        headers["Cache-Control"] = "no-cache"
    if settings.last_modified is not None and not settings.force:
        headers["If-Modified-Since"] = email.utils.formatdate(settings.last_modified, usegmt=True)
    headers.update(settings.headers)
    request = urllib.request.Request(creds.url, data=settings.data, method=settings.method)
    for name, value in headers.items():
        if name.lower() in settings.unredirected_headers:
            request.add_unredirected_header(name, value)
        else:
            request.add_header(name, value)
    return urllib.request.build_opener(*handlers), request


# --- fetching ----------------------------------------------------------------


def _merge_headers(message: Any) -> Dict[str, str]:
    """Lower-cased headers; repeated ones (Set-Cookie) joined with ', '."""
    merged: Dict[str, str] = {}
    if message is None:
        return merged
    for name, value in message.items():
        key = name.lower()
        merged[key] = f"{merged[key]}, {value}" if key in merged else value
    return merged


def _absolute_location(headers: Dict[str, str], url: str) -> None:
    if "location" in headers:
        headers["location"] = urllib.parse.urljoin(url, headers["location"])


def fetch(settings: RequestSettings) -> Response:
    """Make the request; return a Response for every outcome but a bad URL.

    Raises ``ValueError`` only when the URL itself cannot be used (unknown
    scheme and the like), which callers report as a plain failure.
    """
    jar = http.cookiejar.CookieJar()
    opener, request = _build(settings, jar)
    original = request.full_url
    try:
        raw = opener.open(request, timeout=settings.timeout)
    except urllib.error.HTTPError as exc:
        headers = _merge_headers(exc.headers)
        _absolute_location(headers, exc.geturl() or original)
        return Response(
            exc.geturl() or original,
            exc.code,
            str(exc),
            headers,
            body=exc if exc.fp is not None else None,
            redirected=(exc.geturl() or original) != original,
            cookies=_cookie_dict(jar),
            error=True,
        )
    except urllib.error.URLError as exc:  # includes timeouts while connecting
        return _failure(original, f"Request failed: {exc}")
    except (OSError, http.client.HTTPException) as exc:
        return _failure(original, f"Connection failure: {exc or type(exc).__name__}")
    final = raw.geturl()
    headers = _merge_headers(raw.info())
    status = getattr(raw, "status", None)
    scheme = urllib.parse.urlsplit(final).scheme
    if scheme not in ("http", "https"):
        status = None
    length = headers.get("content-length", "unknown")
    return Response(
        final,
        status,
        f"OK ({length} bytes)",
        headers,
        body=raw,
        redirected=final != original,
        cookies=_cookie_dict(jar),
    )


def _failure(url: str, msg: str) -> Response:
    return Response(url, -1, msg, error=True)


def _cookie_dict(jar: http.cookiejar.CookieJar) -> Dict[str, str]:
    return {cookie.name: cookie.value or "" for cookie in jar}


def filename_from_response(response: Response) -> str:
    """The name a download should get: Content-Disposition, else the URL path.

    Only a bare file name is ever used, so a hostile header cannot point the
    download outside the destination directory.
    """
    disposition = response.headers.get("content-disposition", "")
    name = ""
    if disposition:
        message = email.message.Message()
        message["content-disposition"] = disposition
        name = message.get_filename() or ""
    if not name:
        path = urllib.parse.urlsplit(response.url).path
        name = urllib.parse.unquote(path.rstrip("/").rsplit("/", 1)[-1])
    name = os.path.basename(name.replace("\\", "/"))
    if name in ("", ".", ".."):
        name = "index.html"
    return name


def download(settings: RequestSettings, directory: Optional[str] = None) -> Tuple[Response, str]:
    """Fetch into a new temporary file; return the response and the file's path.

    The path is empty when there was no body to save (a failure or a 304).
    Large downloads stream to disk in chunks rather than sitting in memory.
    """
    response = fetch(settings)
    if response.error:
        response.close()
        return response, ""
    fd, path = tempfile.mkstemp(prefix="longplay-download-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            for block in response.chunks():
                out.write(block)
    except (OSError, http.client.HTTPException, zlib.error) as exc:
        os.unlink(path)
        reason = "Connection failure" if isinstance(exc, socket.timeout) else "Read failed"
        return Response(response.url, -1, f"{reason}: {exc}", error=True), ""
    finally:
        response.close()
    return response, path
