"""The rolling-summary engine and its summarizers."""
