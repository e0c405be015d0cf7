"""Errors raised by the retrieval layer; messages are written for the user and name the fix."""

from __future__ import annotations


class RetrievalError(Exception):
    """Base class for retrieval errors."""


class ArticleParseError(RetrievalError):
    """An input file or record cannot be read as an article."""


class ArticleNotFoundError(RetrievalError):
    """No article with that id is in the index."""


class IndexNotFoundError(RetrievalError):
    """There is no index at the configured directory yet."""


class IndexMismatchError(RetrievalError):
    """The index on disk was built with other settings than the current ones."""


class IndexCorruptError(RetrievalError):
    """The index files are unreadable or inconsistent."""


class IndexBusyError(RetrievalError):
    """Another process holds the index write lock."""


class UnsupportedFileTypeError(ArticleParseError):
    """A file whose type the loaders do not read."""
