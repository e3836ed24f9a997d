import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SpeakerRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SPEAKER_ROLE_UNSPECIFIED: _ClassVar[SpeakerRole]
    SPEAKER_ROLE_CALLER: _ClassVar[SpeakerRole]
    SPEAKER_ROLE_AGENT: _ClassVar[SpeakerRole]
    SPEAKER_ROLE_SUPERVISOR: _ClassVar[SpeakerRole]

class TranscriptView(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRANSCRIPT_VIEW_UNSPECIFIED: _ClassVar[TranscriptView]
    TRANSCRIPT_VIEW_REDACTED: _ClassVar[TranscriptView]
    TRANSCRIPT_VIEW_RAW: _ClassVar[TranscriptView]
SPEAKER_ROLE_UNSPECIFIED: SpeakerRole
SPEAKER_ROLE_CALLER: SpeakerRole
SPEAKER_ROLE_AGENT: SpeakerRole
SPEAKER_ROLE_SUPERVISOR: SpeakerRole
TRANSCRIPT_VIEW_UNSPECIFIED: TranscriptView
TRANSCRIPT_VIEW_REDACTED: TranscriptView
TRANSCRIPT_VIEW_RAW: TranscriptView

class TranscriptSegment(_message.Message):
    __slots__ = ("seq", "speaker_identity", "speaker_role", "text", "start_offset", "end_offset", "is_final", "on_hold")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    SPEAKER_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    SPEAKER_ROLE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    START_OFFSET_FIELD_NUMBER: _ClassVar[int]
    END_OFFSET_FIELD_NUMBER: _ClassVar[int]
    IS_FINAL_FIELD_NUMBER: _ClassVar[int]
    ON_HOLD_FIELD_NUMBER: _ClassVar[int]
    seq: int
    speaker_identity: str
    speaker_role: SpeakerRole
    text: str
    start_offset: _duration_pb2.Duration
    end_offset: _duration_pb2.Duration
    is_final: bool
    on_hold: bool
    def __init__(self, seq: _Optional[int] = ..., speaker_identity: _Optional[str] = ..., speaker_role: _Optional[_Union[SpeakerRole, str]] = ..., text: _Optional[str] = ..., start_offset: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., end_offset: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., is_final: _Optional[bool] = ..., on_hold: _Optional[bool] = ...) -> None: ...
