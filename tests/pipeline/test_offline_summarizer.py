"""The offline summarizer over scripted support calls (tests/data/calls/*.json).

Each call is fed incrementally, the way the rolling-summary engine feeds it, and the final
summary is checked against what a receiving agent must learn from that call.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import pytest

from warmtransfer.pipeline.summary.model import (
    BRIEFING_MAX_WORDS,
    Role,
    Segment,
    Sentiment,
    Summarizer,
    Summary,
    Urgency,
)
from warmtransfer.pipeline.summary.offline import OfflineSummarizer

from .calls import ScriptedCall, everything, load_calls, matched

CALLS = load_calls()
MIN_FACT_RECALL = 0.7
MIN_OPEN_ITEM_RECALL = 0.8
REQUIRED_KINDS = {"billing", "internet", "cancellation", "fraud", "health", "delivery"}


async def feed(
    segments: Sequence[Segment], chunk: int, *, fresh_instance: bool = False
) -> list[Summary]:
    """Feed `segments` in chunks, passing the previous summary each time; every summary."""
    summarizer = OfflineSummarizer()
    summaries: list[Summary] = []
    previous: Summary | None = None
    for start in range(0, len(segments), chunk):
        if fresh_instance:
            summarizer = OfflineSummarizer()
        previous = await summarizer.update(previous, segments[start : start + chunk])
        summaries.append(previous)
    return summaries


async def final(segments: Sequence[Segment], chunk: int = 3) -> Summary:
    return (await feed(segments, chunk))[-1]


def call_id(call: ScriptedCall) -> str:
    return call["name"]


def speak(seq: int, role: Role, text: str, *, on_hold: bool = False) -> Segment:
    return Segment(seq=seq, role=role, text=text, on_hold=on_hold)


# --- the scripted calls -----------------------------------------------------------------------


def test_the_scripts_cover_the_required_kinds_of_call() -> None:
    assert {call["kind"] for call in CALLS} >= REQUIRED_KINDS
    for call in CALLS:
        assert 12 <= len(call["segments"]) <= 30, call["name"]
        assert {s.role for s in call["segments"]} == {Role.CALLER, Role.AGENT}, call["name"]
        assert [s.seq for s in call["segments"]] == list(range(1, len(call["segments"]) + 1))


@pytest.mark.parametrize("call", CALLS, ids=call_id)
async def test_reason_names_why_the_customer_called(call: ScriptedCall) -> None:
    summary = await final(call["segments"])
    reason = summary.reason.lower()
    assert any(keyword.lower() in reason for keyword in call["expect"]["reason"]), reason
    assert summary.summarizer == "offline"


async def test_fact_recall_over_all_calls() -> None:
    found = total = 0
    missed: dict[str, list[list[str]]] = {}
    for call in CALLS:
        text = everything(await final(call["segments"]))
        groups = call["expect"]["facts"]
        hits = matched(groups, text)
        found += sum(hits)
        total += len(groups)
        missed[call["name"]] = [g for g, hit in zip(groups, hits, strict=True) if not hit]
    assert found / total >= MIN_FACT_RECALL, missed


async def test_actions_are_found() -> None:
    hits: list[bool] = []
    for call in CALLS:
        summary = await final(call["segments"])
        text = " ".join([*summary.actions, summary.briefing]).lower()
        hits += matched(call["expect"]["actions"], text)
    assert sum(hits) / len(hits) >= MIN_FACT_RECALL


@pytest.mark.parametrize("call", CALLS, ids=call_id)
async def test_the_main_open_item_is_in_next_steps(call: ScriptedCall) -> None:
    summary = await final(call["segments"])
    open_items = " ".join(summary.next_steps).lower()
    assert matched(call["expect"]["next_steps"][:1], open_items) == [True], summary.next_steps


async def test_open_item_recall_over_all_calls() -> None:
    hits: list[bool] = []
    for call in CALLS:
        summary = await final(call["segments"])
        hits += matched(call["expect"]["next_steps"], " ".join(summary.next_steps).lower())
    assert sum(hits) / len(hits) >= MIN_OPEN_ITEM_RECALL


async def test_sentiment_matches_the_scripts() -> None:
    """The mood lexicon was written with the first ten calls; the five of other kinds added
    later (appliance repair, parking, overdraft, medical billing, course refund) miss some
    (a caller who says "that works" and "thank you" after "ugh" ends neutral, not positive)."""
    wrong = []
    for call in CALLS:
        summary = await final(call["segments"])
        if summary.sentiment != Sentiment(call["expect"]["sentiment"]):
            wrong.append((call["name"], summary.sentiment.name))
    assert len(wrong) <= 0.2 * len(CALLS), wrong


@pytest.mark.parametrize("call", CALLS, ids=call_id)
async def test_briefing_is_short_and_speakable(call: ScriptedCall) -> None:
    for summary in await feed(call["segments"], 3):
        words = summary.briefing.split()
        assert 0 < len(words) <= BRIEFING_MAX_WORDS, summary.briefing
        assert not set("<>•*#") & set(summary.briefing), summary.briefing
    assert summary.briefing.startswith("The caller")
    reason_keywords = call["expect"]["reason"]
    assert any(k.lower() in summary.briefing.lower() for k in reason_keywords)


@pytest.mark.parametrize("call", CALLS, ids=call_id)
async def test_result_does_not_depend_on_how_segments_are_batched(call: ScriptedCall) -> None:
    one_by_one = await final(call["segments"], 1)
    at_once = await final(call["segments"], len(call["segments"]))
    by_three_on_fresh_instances = (await feed(call["segments"], 3, fresh_instance=True))[-1]
    assert one_by_one.reason == at_once.reason != ""
    assert one_by_one == at_once == by_three_on_fresh_instances


@pytest.mark.parametrize("call", CALLS, ids=call_id)
async def test_covered_through_seq_follows_the_last_segment(call: ScriptedCall) -> None:
    segments = call["segments"]
    summaries = await feed(segments, 3)
    expected = [segments[min(i + 3, len(segments)) - 1].seq for i in range(0, len(segments), 3)]
    assert [s.covered_through_seq for s in summaries] == expected


@pytest.mark.parametrize("call", CALLS, ids=call_id)
async def test_lists_stay_within_their_limits(call: ScriptedCall) -> None:
    for summary in await feed(call["segments"], 2):
        assert len(summary.facts) <= 8 and len(summary.actions) <= 6
        assert len(summary.next_steps) <= 5
        assert len(set(summary.facts)) == len(summary.facts)


async def test_state_stays_bounded_however_long_the_call() -> None:
    script = max(CALLS, key=lambda c: len(c["segments"]))["segments"]
    others = [s for call in CALLS for s in call["segments"]]
    repeated = [*script * 50, *others]
    segments = [speak(seq, s.role, s.text, on_hold=s.on_hold) for seq, s in enumerate(repeated, 1)]
    summarizer = OfflineSummarizer()
    previous: Summary | None = None
    sizes: list[int] = []
    for start in range(0, len(segments), 4):
        previous = await summarizer.update(previous, segments[start : start + 4])
        sizes.append(len(previous.state))
    assert previous is not None and previous.covered_through_seq == len(segments)
    assert max(sizes) < 16 * 1024
    assert sizes[-1] < 4 * sizes[len(script)]  # no growth with the length of the call


async def test_state_stays_bounded_on_odd_input() -> None:
    texts = [
        *ODD_TEXTS,
        "我的订单还没到 已经等了三个星期了 请帮我查一下 " * 40,
        "my order is " + "x" * 4000,
    ]
    roles = [Role.CALLER, Role.AGENT, Role.UNKNOWN]
    summarizer = OfflineSummarizer()
    previous: Summary | None = None
    for seq in range(1, 30 * len(texts)):
        text = texts[seq % len(texts)]
        segment = speak(seq, roles[seq % len(roles)], text, on_hold=seq % 7 == 0)
        previous = await summarizer.update(previous, [segment])
        assert len(previous.state) < 16 * 1024


async def test_update_is_cheap_per_segment() -> None:
    segments = [s for call in CALLS for s in call["segments"]]
    segments = [speak(seq, s.role, s.text) for seq, s in enumerate(segments * 3, 1)]
    start = time.perf_counter()
    await final(segments, 3)
    per_segment = (time.perf_counter() - start) / len(segments)
    assert per_segment < 0.002, f"{per_segment * 1e6:.0f} us per segment"


# --- behaviours -------------------------------------------------------------------------------


def test_it_is_a_summarizer() -> None:
    summarizer: Summarizer = OfflineSummarizer()
    assert summarizer.name == "offline"


async def test_a_clearer_reason_refines_a_vague_one_and_then_stays() -> None:
    summarizer = OfflineSummarizer()
    first = await summarizer.update(
        None, [speak(1, Role.CALLER, "hi um i'm calling about my bill")]
    )
    assert "bill" in first.reason.lower()
    clearer = await summarizer.update(
        first, [speak(2, Role.CALLER, "so i was charged twice for the march invoice")]
    )
    assert "charged twice" in clearer.reason.lower()
    later = await summarizer.update(
        clearer,
        [
            speak(3, Role.AGENT, "i can see the duplicate payment of $20"),
            speak(4, Role.CALLER, "okay and i want to update my email address too"),
            speak(5, Role.CALLER, "my router also keeps dropping but that's another story"),
        ],
    )
    assert later.reason == clearer.reason


async def test_fillers_are_dropped_from_the_reason() -> None:
    text = "um hi so uh yeah i'd like to cancel my gym membership please"
    summary = await OfflineSummarizer().update(None, [speak(1, Role.CALLER, text)])
    assert "cancel" in summary.reason.lower() and "membership" in summary.reason.lower()
    assert not {"um", "uh", "hi", "so", "yeah"} & set(summary.reason.lower().split())


async def test_agent_talking_while_the_caller_is_on_hold_is_not_an_action() -> None:
    text = "i've reset the router and refunded the fee"
    held = await OfflineSummarizer().update(None, [speak(1, Role.AGENT, text, on_hold=True)])
    live = await OfflineSummarizer().update(None, [speak(1, Role.AGENT, text)])
    assert held.actions == ()
    assert any("reset the router" in a.lower() for a in live.actions)


async def test_caller_on_hold_still_informs_facts() -> None:
    text = "honey it's the order from last friday, the 249 dollar vacuum"
    summary = await OfflineSummarizer().update(None, [speak(1, Role.CALLER, text, on_hold=True)])
    assert any("249" in fact for fact in summary.facts)
    assert summary.actions == () and summary.next_steps == ()


async def test_redaction_tags_are_kept_in_facts_but_spoken_in_the_briefing() -> None:
    summary = await OfflineSummarizer().update(
        None,
        [
            speak(
                1, Role.CALLER, "i'm calling about my internet, my account number is <ACCOUNT_ID>"
            ),
            speak(2, Role.AGENT, "i've opened ticket <TICKET_ID> for the outage"),
        ],
    )
    assert any("<ACCOUNT_ID>" in fact for fact in summary.facts)
    assert any("<TICKET_ID>" in action for action in summary.actions)
    assert "<" not in summary.briefing and "ACCOUNT_ID" not in summary.briefing


async def test_a_done_promise_leaves_the_open_items() -> None:
    summarizer = OfflineSummarizer()
    promised = await summarizer.update(
        None, [speak(1, Role.AGENT, "i'll send you the confirmation email for the refund")]
    )
    assert any("confirmation email" in step for step in promised.next_steps)
    done = await summarizer.update(
        promised, [speak(2, Role.AGENT, "okay i've sent the confirmation email for the refund")]
    )
    assert not any("confirmation email" in step for step in done.next_steps)
    assert any("sent the confirmation email" in action.lower() for action in done.actions)


async def test_a_caller_question_stays_open_until_the_agent_speaks() -> None:
    summarizer = OfflineSummarizer()
    asked = await summarizer.update(
        None, [speak(1, Role.CALLER, "how long will the refund take to show up?")]
    )
    assert any("refund take to show up" in step for step in asked.next_steps)
    answered = await summarizer.update(
        asked, [speak(2, Role.AGENT, "it usually takes three to five business days")]
    )
    assert not any("refund take" in step for step in answered.next_steps)


async def test_sentiment_follows_the_caller() -> None:
    summarizer = OfflineSummarizer()
    agent_only = await summarizer.update(None, [speak(1, Role.AGENT, "this is ridiculous")])
    assert agent_only.sentiment is Sentiment.UNSPECIFIED
    plain = await summarizer.update(agent_only, [speak(2, Role.CALLER, "my order is late")])
    assert plain.sentiment is Sentiment.NEUTRAL
    angry = await summarizer.update(
        plain, [speak(3, Role.CALLER, "this is the third time, it's ridiculous and unacceptable")]
    )
    assert angry.sentiment is Sentiment.NEGATIVE
    calmed = angry
    for seq in range(4, 12):
        calmed = await summarizer.update(
            calmed, [speak(seq, Role.CALLER, "great, thank you, i really appreciate it")]
        )
    assert calmed.sentiment is Sentiment.POSITIVE


async def test_a_summary_without_our_state_is_continued() -> None:
    foreign = Summary(
        reason="Double charge on the March bill",
        facts=("Card ending <CREDIT_CARD_NUMBER>",),
        covered_through_seq=7,
        summarizer="llm",
        state=b"\x00 not json",
    )
    summary = await OfflineSummarizer().update(
        foreign, [speak(8, Role.AGENT, "i've issued a refund of $49.99")]
    )
    assert summary.reason == foreign.reason
    assert summary.facts == foreign.facts
    assert any("refund" in a for a in summary.actions)
    assert summary.covered_through_seq == 8


ODD_TEXTS = [
    "",
    "   ",
    "?!?!...,,,;;--",
    "I'M CALLING BECAUSE MY ACCOUNT <ACCOUNT_ID> WAS CHARGED TWICE AND THIS IS RIDICULOUS",
    "hola, quiero cancelar mi suscripción por favor, muchas gracias",
    "ich möchte mein Konto kündigen, İstanbul ß ﬃ 東京 😀",
    ("i was charged twice on march 3rd for $49.99, and my router keeps dropping. " * 60)[:4000],
    "x" * 4000,
    "<<<>>> <ACCOUNT_ID <ACCOUNT_ID>> $$$ 12.34.56 ... ??? !!!",
    "i i i i my my my you you your you'll i'll i've",
    "my name is",
    "this is",
    "\x00\t\n\r",
    "my name is <PERSON> and i'm calling about <ACCOUNT_ID>",
]


@pytest.mark.parametrize("text", ODD_TEXTS, ids=range(len(ODD_TEXTS)))
async def test_odd_input_never_raises(text: str) -> None:
    summarizer = OfflineSummarizer()
    previous: Summary | None = None
    seq = 0
    for role in Role:
        for on_hold in (False, True):
            seq += 1
            previous = await summarizer.update(previous, [speak(seq, role, text, on_hold=on_hold)])
            assert previous.covered_through_seq == seq
            assert (
                len(previous.briefing.split()) <= BRIEFING_MAX_WORDS
                and "<" not in previous.briefing
            )
    shouting = await summarizer.update(None, [speak(1, Role.CALLER, ODD_TEXTS[3])])
    assert "charged twice" in shouting.reason.lower()


async def test_urgency_is_high_for_fraud_and_normal_for_a_billing_error() -> None:
    by_kind = {call["kind"]: call for call in CALLS}
    assert (await final(by_kind["fraud"]["segments"])).urgency == Urgency.HIGH
    assert (await final(by_kind["billing"]["segments"])).urgency == Urgency.NORMAL
    enquiry = [speak(1, Role.CALLER, "Hi, I'm calling because I have a question about my bill")]
    assert (await final(enquiry)).urgency == Urgency.LOW
    assert (await final([speak(1, Role.AGENT, "Hello, how can I help?")])).urgency == (
        Urgency.UNSPECIFIED
    )


async def test_relief_and_distress_said_in_everyday_words_set_the_sentiment() -> None:
    relieved = await final(
        [
            speak(1, Role.CALLER, "my card got declined and i have no money right now"),
            speak(2, Role.AGENT, "i've sent emergency cash to a collection point near you"),
            speak(3, Role.CALLER, "thank you, that's a relief"),
        ]
    )
    distressed = await final(
        [
            speak(1, Role.CALLER, "the air conditioner died and it's unbearable in here"),
            speak(2, Role.AGENT, "i've opened an appeal on the claim"),
            speak(3, Role.CALLER, "ugh. fine."),
        ]
    )
    assert relieved.sentiment == Sentiment.POSITIVE
    assert distressed.sentiment == Sentiment.NEGATIVE


async def test_why_the_case_went_as_it_did_is_a_fact() -> None:
    summary = await final(
        [
            speak(1, Role.CALLER, "you denied my claim for the air conditioner"),
            speak(
                2,
                Role.AGENT,
                "the claim was denied because the technician noted rust on the coil",
            ),
            speak(3, Role.CALLER, "that rust was not there in january"),
        ]
    )
    assert "rust on the coil" in everything(summary)
