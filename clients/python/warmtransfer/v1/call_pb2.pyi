import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CallState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CALL_STATE_UNSPECIFIED: _ClassVar[CallState]
    CALL_STATE_ACTIVE: _ClassVar[CallState]
    CALL_STATE_ON_HOLD: _ClassVar[CallState]
    CALL_STATE_TRANSFERRING: _ClassVar[CallState]
    CALL_STATE_ENDED: _ClassVar[CallState]

class ParticipantRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PARTICIPANT_ROLE_UNSPECIFIED: _ClassVar[ParticipantRole]
    PARTICIPANT_ROLE_CALLER: _ClassVar[ParticipantRole]
    PARTICIPANT_ROLE_AGENT: _ClassVar[ParticipantRole]
    PARTICIPANT_ROLE_SUPERVISOR: _ClassVar[ParticipantRole]
    PARTICIPANT_ROLE_SERVICE: _ClassVar[ParticipantRole]

class ParticipantEventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PARTICIPANT_EVENT_KIND_UNSPECIFIED: _ClassVar[ParticipantEventKind]
    PARTICIPANT_EVENT_KIND_JOINED: _ClassVar[ParticipantEventKind]
    PARTICIPANT_EVENT_KIND_LEFT: _ClassVar[ParticipantEventKind]
CALL_STATE_UNSPECIFIED: CallState
CALL_STATE_ACTIVE: CallState
CALL_STATE_ON_HOLD: CallState
CALL_STATE_TRANSFERRING: CallState
CALL_STATE_ENDED: CallState
PARTICIPANT_ROLE_UNSPECIFIED: ParticipantRole
PARTICIPANT_ROLE_CALLER: ParticipantRole
PARTICIPANT_ROLE_AGENT: ParticipantRole
PARTICIPANT_ROLE_SUPERVISOR: ParticipantRole
PARTICIPANT_ROLE_SERVICE: ParticipantRole
PARTICIPANT_EVENT_KIND_UNSPECIFIED: ParticipantEventKind
PARTICIPANT_EVENT_KIND_JOINED: ParticipantEventKind
PARTICIPANT_EVENT_KIND_LEFT: ParticipantEventKind

class Call(_message.Message):
    __slots__ = ("call_id", "room_name", "state", "customer_id", "metadata", "created_at", "ended_at", "final_segment_count")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    ROOM_NAME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    ENDED_AT_FIELD_NUMBER: _ClassVar[int]
    FINAL_SEGMENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    room_name: str
    state: CallState
    customer_id: str
    metadata: _containers.ScalarMap[str, str]
    created_at: _timestamp_pb2.Timestamp
    ended_at: _timestamp_pb2.Timestamp
    final_segment_count: int
    def __init__(self, call_id: _Optional[str] = ..., room_name: _Optional[str] = ..., state: _Optional[_Union[CallState, str]] = ..., customer_id: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ended_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., final_segment_count: _Optional[int] = ...) -> None: ...

class Participant(_message.Message):
    __slots__ = ("identity", "role", "joined_at", "publishing_audio")
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    JOINED_AT_FIELD_NUMBER: _ClassVar[int]
    PUBLISHING_AUDIO_FIELD_NUMBER: _ClassVar[int]
    identity: str
    role: ParticipantRole
    joined_at: _timestamp_pb2.Timestamp
    publishing_audio: bool
    def __init__(self, identity: _Optional[str] = ..., role: _Optional[_Union[ParticipantRole, str]] = ..., joined_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., publishing_audio: _Optional[bool] = ...) -> None: ...
