"""Speech-to-text for the media worker: offline Whisper with VAD, Deepgram when configured."""
