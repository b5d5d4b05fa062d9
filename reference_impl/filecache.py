"""``fileTokenCache`` of databricks-sdk-go v0.129.0 (``credentials/u2m/cache/file.go``).

Every call does what Go's does, in the same order and with the same system
calls: ``open`` = ``NewFileTokenCache`` (resolve path, create the directory
and an empty v1 file if the file is missing, then load once to fail fast);
``store`` and ``lookup`` re-read and re-decode the file each time; every
write goes through a same-directory ``.token-cache-<digits>.tmp`` file,
chmod 0600, rename.

Two memos keep it fast without changing behaviour: the decoded form of the
last bytes seen (decoding is a pure function of the bytes, which are still
read every time) and the encoded text of each (key, token) entry.
"""

from __future__ import annotations

import errno
import threading
from collections.abc import Mapping
from typing import Final, Literal

from . import goos
from .decoder import DecodedFile, decode_file, go_string
from .encoder import encode_file, entry_text
from .errors import (
    CacheIOError,
    DecodeError,
    HomeNotSetError,
    MarshalError,
    NotFoundError,
    TokenCacheError,
    VersionError,
)
from .gopath import dir_of, join
from .gotime import TimeMarshalError, TimeParseError, parse_rfc3339
from .token import Token
from .toolchain import DEFAULT_TOOLCHAIN, Toolchain

__all__ = [
    "TOKEN_CACHE_FILE_PATH",
    "TOKEN_CACHE_VERSION",
    "FileTokenCache",
    "Variant",
    "default_path",
]


def is_canonical(*, key: str, token: Token | None) -> bool:
    """True when the file written for this entry decodes back to equal values."""
    if go_string(text=key) != key:
        return False
    if token is None:
        return True
    texts = (token.access_token, token.token_type, token.refresh_token)
    if any(go_string(text=s) != s for s in texts):
        return False
    try:
        return parse_rfc3339(value=token.expiry.marshal_json().encode()) == token.expiry
    except (TimeMarshalError, TimeParseError):
        return False


TOKEN_CACHE_FILE_PATH: Final = ".databricks/token-cache.json"
TOKEN_CACHE_VERSION: Final = 1
DIR_MODE: Final = 0o700
FILE_MODE: Final = 0o600

Variant = Literal["sdk", "cli"]

# The SDK wraps os.UserHomeDir's error; the CLI resolves HOME itself.
_HOME_MESSAGES: Final[dict[str, str]] = {
    "sdk": "failed loading home directory: $HOME is not defined",
    "cli": "$HOME is not set",
}
_ENTRY_MEMO_LIMIT: Final = 200_000


def default_path(*, env: Mapping[str, str | None], variant: Variant = "sdk") -> str:
    """``$HOME/.databricks/token-cache.json`` from ``env`` (never ``os.environ``)."""
    home = env.get("HOME")
    if not home:
        raise HomeNotSetError(_HOME_MESSAGES[variant])
    return join(elems=(home, TOKEN_CACHE_FILE_PATH))


class FileTokenCache:
    """An opened token cache file; create it with :meth:`open`."""

    def __init__(self, *, location: str, toolchain: Toolchain = DEFAULT_TOOLCHAIN) -> None:
        self._location = location
        self._toolchain: Toolchain = toolchain
        self._last_raw: bytes | None = None
        self._last_file: DecodedFile | None = None
        self._entries: dict[tuple[str, Token | None], str] = {}
        # Go's fileTokenCache holds a sync.Mutex around Store and Lookup.
        self._lock = threading.Lock()

    @property
    def location(self) -> str:
        """The cache file path exactly as Go holds it (used verbatim in messages)."""
        return self._location

    @property
    def toolchain(self) -> Toolchain:
        """The Go toolchain whose encoding/json this cache models."""
        return self._toolchain

    @classmethod
    def open(
        cls,
        *,
        path: str | None,
        env: Mapping[str, str | None],
        variant: Variant = "sdk",
        toolchain: Toolchain = DEFAULT_TOOLCHAIN,
    ) -> FileTokenCache:
        """``cache.NewFileTokenCache(cache.WithFileLocation(path))``.

        ``path`` None or ``""`` means the default location under ``env["HOME"]``;
        ``toolchain`` the Go release that built the modelled binary.
        """
        location = path or default_path(env=env, variant=variant)
        cache = cls(location=location, toolchain=toolchain)
        cache._init()
        try:
            cache._load()
        except TokenCacheError as e:
            raise e.wrapped(prefix="load") from None
        return cache

    def store(self, *, key: str, token: Token | None) -> None:
        """``Store(key, t)``: None deletes the key; the file is rewritten either way."""
        with self._lock:
            self._store(key, token)

    def _store(self, key: str, token: Token | None) -> None:
        try:
            f = self._load()
        except TokenCacheError as e:
            raise e.wrapped(prefix="load") from None
        tokens = dict(f.tokens) if f.tokens is not None else {}
        if token is None:
            tokens.pop(key, None)
        else:
            tokens[key] = token
        try:
            raw = encode_file(
                version=f.version, tokens=tokens, entry=self._entry, toolchain=self._toolchain
            )
        except MarshalError as e:
            raise e.wrapped(prefix="marshal") from None
        try:
            self._atomic_write(raw)
        except CacheIOError as e:
            raise e.wrapped(prefix="error storing token in local cache") from None
        if is_canonical(key=key, token=token):
            # Decoding raw would give back exactly this map, so skip it next time.
            self._remember(raw, DecodedFile(version=f.version, tokens=tokens))

    def lookup(self, *, key: str) -> Token | None:
        """``Lookup(key)``: NotFoundError when absent; None for a ``null`` entry."""
        with self._lock:
            return self._lookup(key)

    def _lookup(self, key: str) -> Token | None:
        try:
            f = self._load()
        except TokenCacheError as e:
            raise e.wrapped(prefix="load") from None
        if f.tokens is None or key not in f.tokens:
            raise NotFoundError()
        return f.tokens[key]

    def _entry(self, *, key: str, token: Token | None) -> str:
        memo_key = (key, token)
        text = self._entries.get(memo_key)
        if text is None:
            text = entry_text(key=key, token=token, toolchain=self._toolchain)
            if len(self._entries) >= _ENTRY_MEMO_LIMIT:
                self._entries.clear()
            self._entries[memo_key] = text
        return text

    def _remember(self, raw: bytes, f: DecodedFile) -> None:
        self._last_raw, self._last_file = raw, f

    def _init(self) -> None:
        try:
            goos.stat(path=self._location)
        except CacheIOError as e:
            if e.errno != errno.ENOENT:
                raise e.wrapped(prefix="stat file") from None
            try:
                goos.mkdir_all(path=dir_of(path=self._location), perm=DIR_MODE)
            except CacheIOError as e2:
                raise e2.wrapped(prefix="mkdir") from None
            raw = encode_file(version=TOKEN_CACHE_VERSION, tokens={}, toolchain=self._toolchain)
            try:
                self._atomic_write(raw)
            except CacheIOError as e3:
                raise e3.wrapped(prefix="error creating token cache file") from None

    def _load(self) -> DecodedFile:
        try:
            raw = goos.read_file(path=self._location)
        except CacheIOError as e:
            raise e.wrapped(prefix="read") from None
        if raw == self._last_raw and self._last_file is not None:
            f = self._last_file
        else:
            try:
                f = decode_file(raw=raw, toolchain=self._toolchain)
            except DecodeError as e:
                raise e.wrapped(prefix="parse") from None
            self._remember(raw, f)
        if f.version != TOKEN_CACHE_VERSION:
            raise VersionError(f"needs version {TOKEN_CACHE_VERSION}, got version {f.version}")
        return f

    def _atomic_write(self, data: bytes) -> None:
        try:
            fd, tmp = goos.create_temp(
                directory=dir_of(path=self._location), prefix=".token-cache-", suffix=".tmp"
            )
        except CacheIOError as e:
            # writeTmpFile's own layer; the write, chmod and close errors below have none.
            raise e.wrapped(prefix="create temp file") from None
        try:
            goos.write_all(fd=fd, name=tmp, data=data)
            goos.fchmod(fd=fd, name=tmp, mode=FILE_MODE)
        except CacheIOError:
            # Go returns without removing the temp file here (file.go's
            # writeTmpFile); only its deferred Close runs.
            goos.close_quietly(fd=fd)
            raise
        goos.close(fd=fd, name=tmp)
        try:
            goos.rename(old=tmp, new=self._location)
        finally:
            goos.remove(path=tmp)
