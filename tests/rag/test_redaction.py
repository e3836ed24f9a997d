"""The redactor on live-speech text: spoken forms, splits, revisions, styles and what stays."""

from __future__ import annotations

import functools
import logging
import sys
from typing import Any

import pytest

from warmtransfer.rag.redaction import RedactionEngine, RedactionRequest, Revision
from warmtransfer.rag.redaction.spoken import normalize


@functools.cache
def engine() -> RedactionEngine:
    return RedactionEngine()


@pytest.mark.parametrize(
    ("spoken", "written"),
    [
        ("four one one one, one one one one", "4111 1111"),
        ("double five oh", "550"),
        ("one twenty three Main Street", "123 Main Street"),
        ("March fifth, nineteen eighty-four", "March 5, 1984"),
        ("john dot smith at gmail dot com", "john.smith@gmail.com"),
        ("j o h n at gmail dot com.", "john@gmail.com."),
        ("one nine two dot one six eight dot one dot twenty", "192.168.1.20"),
        ("that's S M I T H", "that's SMITH"),
        ("s-m-i-t-h", "SMITH"),
        ("I paid two hundred dollars", "I paid 200 dollars"),
        ("Oh, I see. It's 555-123-4567.", "Oh, I see. It's 555-123-4567."),
        ("I'm a bit late", "I'm a bit late"),
        ("I'm at home.", "I'm at home."),
    ],
)
def test_spoken_forms_are_written_out(spoken: str, written: str) -> None:
    assert normalize(spoken).text == written


def test_every_written_character_maps_back_to_what_was_said() -> None:
    text = "call me on five five five, one two three, four five six seven please"
    norm = normalize(text)
    start = norm.text.index("555")
    end = norm.text.index("4567") + 4
    assert text[slice(*norm.original_span(start, end))] == (
        "five five five, one two three, four five six seven"
    )
    # Text copied unchanged maps character for character.
    assert text[slice(*norm.original_span(0, 4))] == "call"


def redact(lines: list[tuple[str, str]], **options: str) -> dict[int, str]:
    """Feed (speaker, text) lines; the final redacted text per seq."""
    call = engine().start_call(**options)  # type: ignore[arg-type]
    final: dict[int, str] = {}
    for seq, (speaker, text) in enumerate(lines, 1):
        for revision in call.add(seq=seq, speaker=speaker, text=text):
            final[revision.seq] = revision.text
    return final


def test_each_entity_type_is_found_in_conversational_speech() -> None:
    final = redact(
        [
            ("caller", "Hi, my name is Maria Lopez."),
            ("agent", "Can I get your date of birth?"),
            ("caller", "It's the fifth of March, nineteen eighty-four."),
            ("caller", "My email is maria dot lopez at outlook dot com."),
            ("caller", "I live at 42 Elm Street, Springfield, IL 62704."),
            ("caller", "Call me back on (312) 555-0147."),
            ("caller", "My social is 219-09-9999 and my PIN is 4421."),
            ("caller", "Routing number 021000021, checking account 12345678."),
            ("caller", "Member ID MBR-4417-2290, passport number X12345678."),
            ("caller", "My IP is one nine two dot one six eight dot one dot twenty."),
            ("caller", "The IBAN is GB82 WEST 1234 5698 7654 32."),
            ("agent", "And the card's security code and expiry?"),
            ("caller", "Card 4111 1111 1111 1111, code 737, expires oh four twenty seven."),
        ]
    )
    assert final[1] == "Hi, my name is <PERSON>."
    assert final[3] == "It's <DATE_OF_BIRTH>."
    assert final[4] == "My email is <EMAIL_ADDRESS>."
    assert final[5] == "I live at <STREET_ADDRESS>."
    assert final[6] == "Call me back on <PHONE_NUMBER>."
    assert final[7] == "My social is <US_SSN> and my PIN is <PIN>."
    assert final[8] == "Routing number <ROUTING_NUMBER>, checking account <US_BANK_NUMBER>."
    assert final[9] == "Member ID <ACCOUNT_ID>, passport number <PASSPORT>."
    assert final[10] == "My IP is <IP_ADDRESS>."
    assert final[11] == "The IBAN is <IBAN_CODE>."
    assert final[13] == "Card <CREDIT_CARD>, code <CARD_CVV>, expires <CARD_EXPIRY>."


def test_ordinary_numbers_stay() -> None:
    lines = [
        ("agent", "The plan is $49.99 a month, or forty nine ninety nine with the discount."),
        ("caller", "I've had it since 2019 and the X200 router drops twice a day."),
        ("agent", "That's three or four days; I'll add 20 GB for 12 months, version 2.5."),
        ("caller", "My bill on March fifth was two hundred dollars, I waited twenty minutes."),
    ]
    final = redact(lines)
    assert final == {i: text for i, (_, text) in enumerate(lines, 1)}


def test_a_number_split_over_two_segments_revises_the_first() -> None:
    call = engine().start_call()
    first = call.add(seq=1, speaker="caller", text="my card is four one one one")
    assert [r.text for r in first] == ["my card is four one one one"]
    assert call.add(seq=2, speaker="agent", text="go on")[0].text == "go on"
    revisions = call.add(
        seq=3, speaker="caller", text="one one one one one one one one one one one one"
    )
    assert [(r.seq, r.text) for r in revisions] == [
        (1, "my card is <CREDIT_CARD>"),
        (3, "<CREDIT_CARD>"),
    ]
    (finding,) = revisions[0].findings
    assert "my card is four one one one"[finding.start : finding.end] == "four one one one"


def test_the_question_of_the_other_party_is_the_cue() -> None:
    final = redact([("agent", "What's your PIN?"), ("caller", "four four two one")])
    assert final[2] == "<PIN>"
    assert redact([("caller", "four four two one")])[1] == "four four two one"


def test_a_name_found_once_is_hidden_wherever_it_is_said_again() -> None:
    final = redact([("caller", "my name is Anika Brandt"), ("agent", "thanks anika, one moment")])
    assert final[2] == "thanks <PERSON>, one moment"


def test_a_resent_segment_changes_nothing() -> None:
    call = engine().start_call()
    once = call.add(seq=1, speaker="caller", text="my email is bo@example.com")
    again = call.add(seq=1, speaker="caller", text="my email is bo@example.com")
    assert once == again == [Revision(1, "my email is <EMAIL_ADDRESS>", once[0].findings)]


def test_masking_keeps_the_shape() -> None:
    assert redact([("caller", "reach me at 415 555 0132")], style="mask")[1] == (
        "reach me at *** *** ****"
    )


def test_an_unknown_style_is_refused() -> None:
    with pytest.raises(ValueError, match="redaction style"):
        RedactionEngine(style="blackout")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("spoken", "written"),
    [
        # Cardinals: a quantity with "hundred" or "thousand" is summed, not concatenated.
        ("suite three hundred", "suite 300"),
        ("born in two thousand one", "born in 2001"),
        ("nineteen hundred and five", "1905"),
        ("we paid twelve hundred", "we paid 1200"),
        # ... but "eight hundred" read digit by digit inside a phone number is two zeros.
        ("one eight hundred, five five five, oh one nine nine", "1800 555 0199"),
        # An IP address said in two breaths, with "seventy two" style octets.
        ("one seventy two dot sixteen, dot four dot nine", "172.16.4.9"),
        # "oh" opening a group after a pause, and a month said as "oh six".
        ("oh four one two, oh oh seven three", "0412 0073"),
        ("Oh six, twenty nine", "06 29"),
        # Spelling: "X as in Y", letters a comma apart, a pause inside the run, "double".
        ("P as in paul, E, T, E", "PETE"),
        ("that's K, O, W, A, L", "that's KOWAL"),
        ("G O... M E Z", "GOMEZ"),
        ("H U double B E L L", "HUBBELL"),
        # Local parts of addresses with digits, initials and underscores.
        ("peter underscore quill seventy seven at yahoo dot com", "peter_quill77@yahoo.com"),
        ("it's d brown at hotmail dot com", "it's dbrown@hotmail.com"),
        ("so that's lena k four at aol dot com", "so that's lenak4@aol.com"),
        # A pause before "at": the address was said over two turns.
        ("It's rosa dot mendez... At icloud dot com.", "It's rosa.mendez@icloud.com."),
        # Words that stay words.
        ("my first name is Jordan", "my first name is Jordan"),
        ("the second time I called", "the second time I called"),
        ("plan B for now", "plan B for now"),
        ("I, I think so", "I, I think so"),
    ],
)
def test_more_spoken_forms_are_written_out(spoken: str, written: str) -> None:
    assert normalize(spoken).text == written


def test_an_entity_continues_after_the_other_party_says_uh_huh() -> None:
    final = redact(
        [
            ("caller", "It's rosa dot mendez..."),
            ("agent", "Mm-hmm."),
            ("caller", "At icloud dot com."),
            ("agent", "And your date of birth?"),
            ("caller", "June ninth..."),
            ("agent", "Uh-huh."),
            ("caller", "Two thousand three."),
        ]
    )
    assert final[1] == "It's <EMAIL_ADDRESS>..."
    assert final[3] == "<EMAIL_ADDRESS>."
    assert final[5] == "<DATE_OF_BIRTH>..."
    assert final[7] == "<DATE_OF_BIRTH>."


def test_a_new_question_of_the_other_party_starts_a_new_value_with_its_own_cue() -> None:
    final = redact(
        [
            ("caller", "The card is 4111 1111 1111 1111."),
            ("agent", "And when does it expire?"),
            ("caller", "Oh nine, twenty eight."),
            ("agent", "Okay. And the four digit code on the front?"),
            ("caller", "Seven seven two one."),
        ]
    )
    assert final[3] == "<CARD_EXPIRY>."
    assert final[5] == "<CARD_CVV>."


def test_an_ip_address_over_two_segments_is_one_address() -> None:
    final = redact(
        [
            ("caller", "The modem shows one ninety two dot one sixty eight,"),
            ("caller", "dot twelve dot two fifty."),
        ]
    )
    assert final == {1: "The modem shows <IP_ADDRESS>,", 2: "<IP_ADDRESS>."}


def test_a_name_spelled_with_as_in_and_commas_is_a_name() -> None:
    final = redact(
        [
            ("agent", "How do you spell that?"),
            ("caller", "Sure, N as in nancy, O as in oscar, V, A, K."),
            ("caller", "My name is Ines,"),
            ("caller", "Ortega."),
        ]
    )
    assert final[2] == "Sure, <PERSON>."
    assert final[3] == "My name is <PERSON>,"
    assert final[4] == "<PERSON>."


def test_an_address_with_words_for_numbers_keeps_its_city_state_and_zip() -> None:
    final = redact(
        [
            ("agent", "Where should the technician go?"),
            (
                "caller",
                "Twelve hundred Birch Hollow Lane, Boulder, Colorado, eight oh three oh two.",
            ),
            ("caller", "Oh, and it's 2 Elm St, not 20 Elm St."),
        ]
    )
    assert final[2] == "<STREET_ADDRESS>."
    assert final[3] == "Oh, and it's <STREET_ADDRESS>, not <STREET_ADDRESS>."


def test_an_iban_read_in_groups_with_spelled_letters() -> None:
    final = redact(
        [
            ("caller", "For the transfer, the IBAN is G B eight two, W E S T, one two three four,"),
            ("caller", "five six nine eight, seven six five four, three two, that's all."),
        ]
    )
    assert final[1] == "For the transfer, the IBAN is <IBAN_CODE>,"
    assert final[2] == "<IBAN_CODE>, that's all."


def test_last_four_of_a_social_is_hidden_but_not_of_a_card() -> None:
    final = redact(
        [
            ("agent", "To verify, what are the last four of your social?"),
            ("caller", "It's nine one two eight."),
            ("caller", "And the card ending in six six one two is the one I use."),
        ]
    )
    assert final[2] == "It's <US_SSN>."
    assert final[3] == "And the card ending in six six one two is the one I use."


def test_business_numbers_stay() -> None:
    lines = [
        ("agent", "You can always call us at one eight hundred, five five five, oh one nine nine."),
        ("caller", "I already called 1-888-555-0134 and (877) 555-0101."),
        ("agent", "Your case number is 5512309 and the ticket is TK-99812."),
        ("caller", "The order number is four five six seven eight nine one two."),
        ("caller", "The tracking number is 9400 1000 0000 0000 0000."),
        ("agent", "Your confirmation code is Q as in quebec, seven seven two, nine one."),
    ]
    final = redact(lines)
    assert final == {i: text for i, (_, text) in enumerate(lines, 1)}


def test_more_ordinary_numbers_stay() -> None:
    lines = [
        ("caller", "I was charged three hundred forty nine dollars, then twelve hundred more."),
        ("caller", "We've had it since twenty nineteen, twenty twenty maybe."),
        ("caller", "Give me one or two minutes, it's the second drawer."),
        ("caller", "The firmware is one dot two dot three dot four, and the app 5.1.2."),
        ("caller", "My contract started on the fifth of May, two thousand twenty two."),
        ("caller", "There were five... no, six technicians, three hundred homes affected."),
        ("caller", "Hmm, hold on, I'm looking for it."),
    ]
    final = redact(lines)
    assert final == {i: text for i, (_, text) in enumerate(lines, 1)}


@pytest.mark.slow
def test_the_labelled_set_meets_the_targets() -> None:
    """The whole evaluation set (`make eval` prints the per-type table): a regression in any
    recognizer or in the spoken-form reading shows here."""
    from bench.eval_redaction import engine_redactor, load_cases, score

    report = score(load_cases(), engine_redactor(engine()))
    assert report.recall is not None and report.recall >= 0.98, report.recall
    assert report.precision is not None and report.precision >= 0.9, report.precision


def test_a_batch_of_calls_is_redacted_as_each_would_be_alone() -> None:
    """`RedactionEngine.redact` reads every text of a batch in one name-model pass, then applies
    each to its call in order; the result is what one-at-a-time redaction gives."""
    lines = [
        ("caller", "Hi, this is Priya Raman, my card is four one one one"),
        ("caller", "one one one one one one one one one one one one"),
        ("agent", "Thanks Priya. And the expiry?"),
        ("caller", "oh four twenty seven, and reach me at 415 555 0132"),
    ]
    alone = redact(lines)
    batched_calls = [engine().start_call() for _ in range(3)]
    requests = [
        RedactionRequest(call, speaker, text, seq)
        for seq, (speaker, text) in enumerate(lines, 1)
        for call in batched_calls
    ]
    requests.append(RedactionRequest(batched_calls[0], "agent", "Priya, the card ends 1111?"))
    results = engine().redact(requests)
    for call_index in range(3):
        final: dict[int, str] = {}
        for result in results[call_index:-1:3]:
            assert isinstance(result, list)
            final.update((r.seq, r.text) for r in result)
        assert final == alone
    assert results[-1] == "<PERSON>, the card ends 1111?"


def test_analysis_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    """Numbers, dates and amounts are read without Presidio's 'Entity CARDINAL is not mapped'
    warning on every segment (the name model's other labels are not asked for)."""
    with caplog.at_level(logging.DEBUG, logger="presidio-analyzer"):
        redact(
            [("caller", "I paid 200 dollars on March 5th for 3 months, card 4111 1111 1111 1111")]
        )
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_a_resend_pushed_out_of_the_window_within_its_batch_is_read_again() -> None:
    call = engine().start_call()
    for seq in range(1, 13):
        call.add(seq=seq, speaker="caller", text=f"line {seq}, my email is bo{seq}@example.com")
    # Twelve new segments, then a re-send of seq 1: by its turn the new ones have pushed it out
    # of the call's window, so it is read again rather than found there.
    batch = [RedactionRequest(call, "caller", f"new line {seq}", seq) for seq in range(13, 25)] + [
        RedactionRequest(call, "caller", "line 1, my email is bo1@example.com", 1)
    ]
    results = engine().redact(batch)
    last = results[-1]
    assert isinstance(last, list) and last[-1].seq == 1
    assert last[-1].text == "line 1, my email is <EMAIL_ADDRESS>"


# --- Names from every country, and streets without a number --------------------------------


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        # A surname alone, answering a question for it; written and as raw speech-to-text.
        ([("agent", "What's your last name?"), ("caller", "Okonkwo.")], "<PERSON>."),
        ([("agent", "what's your last name"), ("caller", "it's okonkwo")], "it's <PERSON>"),
        # An unlisted name answering the question: the short answer is the name.
        ([("agent", "And your surname?"), ("caller", "Tjahjadi.")], "<PERSON>."),
        # A first name in a greeting or thanks.
        (
            [("caller", "Hi Anneke, I'm writing about my order.")],
            "Hi <PERSON>, I'm writing about my order.",
        ),
        ([("agent", "thanks jiří that helps")], "thanks <PERSON> that helps"),
        # Letters beyond English, with no cue at all.
        (
            [("caller", "I think Þórunn Sigurðardóttir opened it.")],
            "I think <PERSON> opened it.",
        ),
        # A list of surnames.
        (
            [("caller", "It was founded by Lindqvist, Brandt and Moreau.")],
            "It was founded by <PERSON>, <PERSON> and <PERSON>.",
        ),
        (
            [("caller", "it was founded by lindqvist brandt and moreau")],
            "it was founded by <PERSON> and <PERSON>",
        ),
        # Two name words in a row, lower case.
        (
            [("caller", "i think bongani dlamini set up the account")],
            "i think <PERSON> set up the account",
        ),
        # A hyphenated given name, each part a name.
        ([("agent", "good morning ha-eun how can i help")], "good morning <PERSON> how can i help"),
        # A family member named after the relation.
        ([("caller", "My husband Radek pays the bills.")], "My husband <PERSON> pays the bills."),
        # Streets named without a number.
        (
            [("caller", "The depot is on Juniper Avenue.")],
            "The depot is on <STREET_ADDRESS>.",
        ),
        ([("caller", "we moved to rue des lilas")], "we moved to <STREET_ADDRESS>"),
        (
            [("caller", "I live off Mannerheimintie now.")],
            "I live off <STREET_ADDRESS> now.",
        ),
        # A US address in raw lower case: the city and state run on to the ZIP code.
        (
            [
                (
                    "caller",
                    "it's twenty two fourteen larkspur lane boise idaho eight three seven zero two",
                )
            ],
            "it's <STREET_ADDRESS>",
        ),
        # A European address said aloud: the house number and postcode run together.
        (
            [
                (
                    "caller",
                    "we are at fourteen boulevard abel gance six seven zero zero eight les "
                    "mureaux now",
                )
            ],
            "we are at <STREET_ADDRESS> now",
        ),
        # After "my name is", an everyday word ends the name.
        (
            [("agent", "thanks for calling my name is james how can i help")],
            "thanks for calling my name is <PERSON> how can i help",
        ),
    ],
)
def test_names_and_streets_beyond_the_english_news(
    lines: list[tuple[str, str]], expected: str
) -> None:
    final = redact(lines)
    assert final[len(lines)] == expected


@pytest.mark.parametrize(
    "line",
    [
        "Hi there, thanks so much for holding.",
        "thank you so much i'll send it via email",
        "I was on hold way too long.",
        "i was on hold way too long and then the line dropped",
        "Grant me a minute, I'll check the policy.",
        "We'll meet at the café on Monday.",
        "Can I get the IBAN and the WAN IP?",
        "it's fine i'm just calling about the bill",
        "the technician will drive over tomorrow",
    ],
)
def test_everyday_words_that_are_also_names_stay(line: str) -> None:
    assert redact([("caller", line)])[1] == line


def test_a_question_for_a_name_does_not_make_any_answer_a_name() -> None:
    final = redact([("agent", "What's your last name?"), ("caller", "Sorry, I didn't catch that.")])
    assert final[2] == "Sorry, I didn't catch that."


def test_the_lexicon_tells_names_from_english_words() -> None:
    from warmtransfer.rag.redaction.lexicon import Lexicon

    lexicon = Lexicon.shared()
    assert len(lexicon) > 100_000
    okonkwo, will, email = lexicon.word("Okonkwo"), lexicon.word("will"), lexicon.word("email")
    assert okonkwo.name and okonkwo.zipf < 3
    assert will.name and will.zipf > 5
    assert not email.name and email.zipf > 4
    assert lexicon.word("seo-yeon").name  # each part is a name
    assert not lexicon.word("xqzvbn").name and lexicon.zipf("xqzvbn") == 0


@pytest.mark.slow
def test_the_committed_lexicon_is_what_the_builder_writes() -> None:
    pytest.importorskip("names_dataset")
    pytest.importorskip("wordfreq")
    from warmtransfer.rag.redaction import gazetteer_build

    assert gazetteer_build.OUTPUT.read_bytes() == gazetteer_build.build(), (
        "rebuild with: python -m warmtransfer.rag.redaction.gazetteer_build"
    )


# --- Settled text -----------------------------------------------------------------------------


@pytest.mark.slow
def test_no_revision_reaches_below_what_was_reported_final() -> None:
    """Over the whole development set: whatever a segment's redaction revises lies above the
    `final_through` reported before it, so what a summary read as settled stays as it was."""
    from bench.eval_redaction import load_cases

    revised_late = 0
    for case in load_cases():
        call = engine().start_call()
        final = 0
        for seq, segment in enumerate(case.segments, 1):
            revisions = call.add(seq=seq, speaker=segment.speaker, text=segment.text)
            assert all(r.seq > final for r in revisions), (case.id, seq, final)
            revised_late += any(r.seq < seq for r in revisions)
            now = call.final_through()
            assert final <= now <= seq
            final = now
    assert revised_late > 40  # the set revises earlier segments often: the check has teeth


def test_a_segment_settles_when_the_other_party_speaks_or_the_speaker_says_two_more() -> None:
    call = engine().start_call()
    call.add(seq=1, speaker="caller", text="my card is four one one one")
    assert call.final_through() == 0
    call.add(seq=2, speaker="agent", text="uh-huh")  # a backchannel keeps it open
    assert call.final_through() == 0
    call.add(seq=3, speaker="caller", text="one one one one")
    assert call.final_through() == 0  # the agent's "uh-huh" may still be followed up
    call.add(seq=4, speaker="agent", text="And the expiration date?")
    assert call.final_through() == 3  # a question: the caller's answer starts anew
    call.add(seq=5, speaker="caller", text="oh four")
    call.add(seq=6, speaker="caller", text="twenty seven")
    call.add(seq=7, speaker="caller", text="that's all")
    assert call.final_through() == 5  # seq 5 has left the caller's window of two


@pytest.mark.parametrize(
    "line",
    ["Call me on 604 682 2344 please.", "My cell is (416) 555-2671.", "It's 514-872-1234."],
)
def test_canadian_numbers_are_phone_numbers(line: str) -> None:
    # The US search finds them: Canada is not searched apart.
    assert "<PHONE_NUMBER>" in redact([("caller", line)])[1]


def _first_letters(items: object) -> set[str] | None:
    """The letters a parsed pattern's match can start with (lower case), or None when the
    pattern can start otherwise than with a literal."""
    from re import _constants as c  # type: ignore[attr-defined]

    for op, arg in items:  # type: ignore[attr-defined]
        if op in (c.AT, c.ASSERT):
            continue
        if op is c.LITERAL:
            return {chr(arg).lower()}
        if op is c.SUBPATTERN:
            return _first_letters(arg[3])
        if op is c.BRANCH:
            letters: set[str] = set()
            for branch in arg[1]:
                found = _first_letters(branch)
                if found is None:
                    return None
                letters |= found
            return letters
        return None
    return None


def test_each_cue_pattern_opens_with_every_letter_its_cues_start_with() -> None:
    import re
    from re import _parser  # type: ignore[attr-defined]

    from warmtransfer.rag.redaction import names, recognizers

    patterns = {
        "strong": names._STRONG_CUE,
        "weak": names._WEAK_CUE,
        "name cue": names.NameCueRecognizer._CUE,
        "place": re.compile(recognizers.StreetNameRecognizer._PLACE_CUE, re.IGNORECASE),
    }
    for label, pattern in patterns.items():
        guard = re.search(r"\(\?=\[([a-z]+)\]\)", pattern.pattern)
        assert guard, f"{label}: no guard"
        cues = pattern.pattern.replace(guard.group(), "", 1)
        letters = _first_letters(_parser.parse(cues, pattern.flags))
        assert letters is not None, f"{label}: cannot tell how its cues start"
        assert letters == set(guard.group(1)), f"{label}: guard {guard.group(1)}, cues {letters}"


def test_a_cue_at_the_end_of_a_long_line_of_the_other_party_still_counts() -> None:
    agent = "Thanks for waiting, I have the account open here in front of me now and " * 3
    final = redact([("agent", agent + "could I get your surname?"), ("caller", "Okonkwo.")])
    assert final[2] == "<PERSON>."
    final = redact([("agent", agent + "you are speaking with"), ("caller", "Anneke Visser")])
    assert final[2] == "<PERSON>"


def test_the_name_model_on_numpys_blas_finds_what_spacy_finds() -> None:
    """The analyzer's name model does its matrix products on numpy's BLAS, one thread, instead of
    thinc's default (the `blis` wheel): the names found are the same, text by text, over every
    segment of both redaction sets, in batches as the workers read them."""
    import spacy
    import threadpoolctl

    from bench.eval_redaction import load_cases
    from warmtransfer.rag.redaction.analyzer import SPACY_MODEL

    texts = [
        segment.text
        for path in ("tests/data/redaction/cases.jsonl", "tests/data/redaction/heldout.jsonl")
        for case in load_cases(path)
        for segment in case.segments
    ]
    analyzer = engine()._analyzer
    ner: Any = analyzer._nlp.get_pipe("ner")
    assert type(ner.model.ops).__name__ == "_BlasOps"
    assert all(
        pool["num_threads"] == 1
        for pool in threadpoolctl.threadpool_info()
        if pool["user_api"] == "blas"
    )
    plain = spacy.load(
        SPACY_MODEL, exclude=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer"]
    )
    expected = [
        [(e.start_char, e.end_char) for e in doc.ents if e.label_ == "PERSON"]
        for doc in plain.pipe(texts, batch_size=40)
    ]
    found = [
        [(start, end) for start, end, _ in names]
        for batch in range(0, len(texts), 40)
        for names in analyzer.names(texts[batch : batch + 40])
    ]
    assert sum(map(len, expected)) > 250
    assert found == expected


def test_the_name_model_runs_without_profiling_hooks() -> None:
    """spaCy's wheels for Python before 3.12 are compiled with Cython's profiling hooks, which
    take the GIL at every call of the name model's compiled helpers, most of the model's time;
    the install builds spaCy without them (`deploy/spacy-without-profiling.sh`). A profiler sees
    calls into spaCy's compiled code only where the hooks are. (thinc's are left: its compiled
    functions are called from Python once per batch, where the GIL is held anyway.)"""
    analyzer = engine()._analyzer
    compiled: set[str] = set()

    def profiler(frame: Any, event: str, arg: Any) -> None:
        name = frame.f_code.co_filename
        if name.startswith("spacy/") and name.endswith((".pyx", ".pxd")):
            compiled.add(frame.f_code.co_name)

    sys.setprofile(profiler)
    try:
        names = analyzer.names(["Hi, this is Priya Raman from the billing team."])
    finally:
        sys.setprofile(None)
    assert names[0], "the name model found no name: the check below saw nothing run"
    assert compiled == set()


def test_the_patterns_of_a_window_are_those_of_the_whole_text_that_start_in_it() -> None:
    """The pattern recognizers are judged and run on the window only where they can (Presidio's
    search it alone; ours read cues in the other party's lines before it): over every window of
    the live benchmark's calls, what they find is exactly what a search of the whole text finds
    in the window, types and scores included."""
    from bench.live import call_scripts

    windows: list[tuple[str, int]] = []
    analyzer = engine()._analyzer
    analyze = analyzer.patterns

    def recorded(text: str, start: int = 0) -> list[tuple[str, int, int, float]]:
        windows.append((text, start))
        return analyze(text, start)

    redactor = RedactionEngine()
    redactor._analyzer = analyzer
    try:
        analyzer.patterns = recorded  # type: ignore[method-assign]
        scripts = call_scripts(12)
        calls = [redactor.start_call() for _ in scripts]
        for turn in range(max(map(len, scripts))):
            redactor.redact(
                [
                    RedactionRequest(call, script[turn][0], script[turn][1], turn)
                    for call, script in zip(calls, scripts, strict=True)
                    if turn < len(script)
                ]
            )
    finally:
        del analyzer.patterns
    with_context = [(text, start) for text, start in windows if start > 0]
    assert len(with_context) > 200
    found = 0
    for text, start in with_context:
        whole = [m for m in analyze(text, 0) if m[1] >= start]
        assert analyze(text, start) == whole, text
        found += len(whole)
    assert found > 100


def test_a_first_name_given_as_what_to_be_called() -> None:
    final = redact([("agent", "what should i call you"), ("caller", "just behiza is fine")])
    assert final[2] == "just <PERSON> is fine"


def test_a_surname_english_never_uses_goes_with_the_name_before_it() -> None:
    final = redact(
        [
            ("agent", "who am i speaking with today"),
            ("caller", "gerrit van der velden"),
            ("caller", "i spoke to coriolano gradenigo yesterday and she promised a callback"),
            ("caller", "My colleague Giuseppe Gioberti has the details."),
        ]
    )
    assert final[2] == "<PERSON>"
    assert final[3] == "i spoke to <PERSON> yesterday and she promised a callback"
    assert final[4] == "My colleague <PERSON> has the details."


def test_a_contraction_after_a_name_is_no_name() -> None:
    final = redact([("agent", "Thanks Ralph, I've noted that.")])
    assert final[1] == "Thanks <PERSON>, I've noted that."


def test_a_name_before_what_is_said_of_a_person_even_at_a_sentences_start() -> None:
    final = redact(
        [
            ("caller", "Esko from your team said it was sorted."),
            ("caller", "The branch in New Monicachester told me to call this number instead."),
        ]
    )
    assert final[1] == "<PERSON> from your team said it was sorted."
    assert final[2] == "The branch in New Monicachester told me to call this number instead."


def test_titles_said_as_words_and_surnames_english_never_uses_in_a_list() -> None:
    final = redact(
        [
            ("agent", "thank you mister kirk one moment please"),
            ("caller", "the firm was founded by moreau castellitto and brandt"),
        ]
    )
    assert final[1] == "thank you mister <PERSON> one moment please"
    assert "castellitto" not in final[2] and "moreau" not in final[2]
