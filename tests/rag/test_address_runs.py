"""Addresses by their make-up (`warmtransfer.rag.redaction.addresses`): forms no country rule
knows, written and said in lower case, and everyday lines with numbers that are no address."""

from __future__ import annotations

import pytest

from warmtransfer.rag.redaction.addresses import AddressRunRecognizer


@pytest.fixture(scope="module")
def recognizer() -> AddressRunRecognizer:
    return AddressRunRecognizer()


def found(recognizer: AddressRunRecognizer, text: str) -> list[str]:
    return [text[start:end] for _, start, end, _ in recognizer.find(text)]


@pytest.mark.parametrize(
    ("text", "address"),
    [
        (
            "The address is Drumul Diaconescu nr. 495, bl. 40, sc. 21, ap. 535, Navodari, thanks.",
            "Drumul Diaconescu nr. 495, bl. 40, sc. 21, ap. 535, Navodari",
        ),
        (
            "send it to po box three forty whakamakau twenty one seventy two please",
            "po box three forty whakamakau twenty one seventy two",
        ),
        (
            "we live at kilian pirker weg seven ninety eighty seven gleisdorf that's all",
            "kilian pirker weg seven ninety eighty seven gleisdorf",
        ),
        # "place" starts no address when an everyday word follows it.
        (
            "the new place is twenty two rue de la paix paris seven five oh oh two",
            "twenty two rue de la paix paris seven five oh oh two",
        ),
        # No cue: a number, a street word and a name together are enough.
        (
            "So that's Gg. Gedebage Selatan No. 77, Sibolga, correct?",
            "Gg. Gedebage Selatan No. 77, Sibolga",
        ),
        # A street without a number, after a word that places it.
        ("The shop is on Jl. Ciumbuleuit, next to the bakery.", "Jl. Ciumbuleuit"),
        ("Somewhere on Parkinson Cliffs, I think.", "Parkinson Cliffs"),
        ("I live off Danielhof, the second house after the school.", "Danielhof"),
        ("The shop is on Viaducto Indonesia, next to the bakery.", "Viaducto Indonesia"),
        ("somewhere on tveitkollen i think", "tveitkollen"),
        ("my mother lives near laura mission and never got the letter", "laura mission"),
    ],
)
def test_an_address_in_a_form_no_country_rule_knows_is_found(
    recognizer: AddressRunRecognizer, text: str, address: str
) -> None:
    assert address in found(recognizer, text)


@pytest.mark.parametrize(
    "text",
    [
        "They told me to dial extension 5733.",
        "It's a 65 inch TV, delivered on Monday.",
        "The menu said press three for billing, so I pressed three.",
        "My callback number is 471.835.2785.",
        "I'm calling from Pirmasens about order 45821, the parcel never came.",
        "We moved here in 2019 and I've paid 45 euros a month since.",
        "I've been on hold for twenty five minutes, and I live alone.",
        "I'm on my way home, send it via email please.",
        "The driver left it on the porch near the back door.",
    ],
)
def test_numbers_in_everyday_lines_are_no_address(
    recognizer: AddressRunRecognizer, text: str
) -> None:
    assert found(recognizer, text) == []
