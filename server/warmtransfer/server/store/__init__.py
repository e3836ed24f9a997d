"""The durable call store (SQLite, WAL, group commit)."""

from warmtransfer.server.store.call_store import AppendResult, CallStore, StoredSummary

__all__ = ["AppendResult", "CallStore", "StoredSummary"]
