"""The LiveKit media worker: transcription and hold music in call rooms, spoken briefings in
consult rooms.

`protocol` holds what the server shares with it (light: the server imports it); `config`, `jobs`,
`hold`, `transcribe` and `run` need livekit-agents."""
