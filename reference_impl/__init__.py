"""A byte-exact Python model of the Databricks v1 OAuth token cache file.

Modelled: ``credentials/u2m/cache/file.go`` of databricks-sdk-go v0.129.0 built
with Go 1.26.8 (encoding/json v1) and golang.org/x/oauth2 v0.34.0, the SDK's
cache keys and dual write, and the CLI's mirroring cache wrapper.  See
docs/reference.md for what is modelled and every known difference.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .decoder import DecodedFile, decode_file, go_string
from .dualwrite import DualStoreVia, MirroringCache, TokenStore, dual_store, sdk_dual_write
from .encoder import encode_file, go_key_order, go_string_literal
from .errors import (
    ArgumentError,
    CacheIOError,
    DecodeError,
    HomeNotSetError,
    MarshalError,
    NotFoundError,
    NullFileError,
    TokenCacheError,
    VersionError,
)
from .filecache import (
    TOKEN_CACHE_FILE_PATH,
    TOKEN_CACHE_VERSION,
    FileTokenCache,
    Variant,
    default_path,
)
from .gotime import (
    ZERO_TIME,
    GoTime,
    TimeMarshalError,
    TimeParseError,
    parse_rfc3339,
    unmarshal_json_time,
)
from .keys import ArgKind, CacheKeys, OAuthArg, cache_keys, validate_host
from .lockfile import LOCK_FILE_NAME, LockedFileTokenCache
from .protocol import Session
from .token import Token

__all__ = [
    "LOCK_FILE_NAME",
    "TOKEN_CACHE_FILE_PATH",
    "TOKEN_CACHE_VERSION",
    "ZERO_TIME",
    "ArgKind",
    "ArgumentError",
    "CacheIOError",
    "CacheKeys",
    "DecodeError",
    "DecodedFile",
    "DualStoreVia",
    "FileTokenCache",
    "GoTime",
    "HomeNotSetError",
    "LockedFileTokenCache",
    "MarshalError",
    "MirroringCache",
    "NotFoundError",
    "NullFileError",
    "OAuthArg",
    "Session",
    "TimeMarshalError",
    "TimeParseError",
    "Token",
    "TokenCacheError",
    "TokenStore",
    "Variant",
    "VersionError",
    "__version__",
    "cache_keys",
    "decode_file",
    "default_path",
    "dual_store",
    "encode_file",
    "go_key_order",
    "go_string",
    "go_string_literal",
    "parse_rfc3339",
    "sdk_dual_write",
    "unmarshal_json_time",
    "validate_host",
]
