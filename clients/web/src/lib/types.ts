/** The JSON the console's routes answer with (protobuf JSON: camelCase, enum names). */

export interface Segment {
  seq: string;
  speakerIdentity: string;
  speakerRole: string;
  text: string;
  isFinal: boolean;
  onHold: boolean;
}

export interface Summary {
  briefing: string;
  reason: string;
  facts: string[];
  actions: string[];
  nextSteps: string[];
  sentiment: string;
  urgency: string;
  coveredThroughSeq: string;
  updatedAt?: string;
  summarizer: string;
  final: boolean;
}

export interface Briefing {
  summary?: Summary;
  pendingSegments: Segment[];
}

export interface Transfer {
  transferId: string;
  callId: string;
  state: string;
  fromIdentity: string;
  toIdentity: string;
  reason: string;
  consultRoomName: string;
  endReason: string;
  acceptedAt?: string;
}

export interface Call {
  callId: string;
  customerId: string;
  state: string;
  createdAt?: string;
}

export interface Participant {
  identity: string;
  role: string;
}

/** One WatchCall event. */
export interface CallEvent {
  cursor: string;
  eventTime?: string;
  callId: string;
  segmentAdded?: { segment: Segment };
  segmentInterim?: { segment: Segment };
  segmentRedacted?: { segment: Segment };
  summaryUpdated?: { summary: Summary };
  callStateChanged?: { call: Call; previousState: string };
  transferStateChanged?: { transfer: Transfer; previousState: string };
  participantChanged?: { participant: Participant; kind: string };
}

/** One WatchAgent event: a transfer offered to the agent, or a change of it. */
export interface OfferEvent {
  cursor: string;
  transfer: Transfer;
  previousState: string;
  briefing?: Briefing;
}

export interface Snippet {
  callId: string;
  speakerRole: string;
  text: string;
  callStartedAt?: string;
  score: number;
}

export const ACTIVE_TRANSFER = new Set(["TRANSFER_STATE_CONSULTING", "TRANSFER_STATE_COMPLETING"]);

/** "TRANSFER_STATE_CONSULTING" → "consulting". */
export function stateName(state: string): string {
  return state.replace(/^(TRANSFER|CALL)_STATE_/, "").toLowerCase().replaceAll("_", " ");
}
