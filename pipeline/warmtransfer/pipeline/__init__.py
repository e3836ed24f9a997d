"""Media-side pipeline: the rolling summary engine (and, later, the LiveKit worker)."""
