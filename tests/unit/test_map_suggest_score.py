"""How ``map --suggest`` scores an e-mail address against a person's name in the account."""

from __future__ import annotations

from syncset.promotion.mapping import SUGGEST_THRESHOLD, _score


def test_an_e_mail_local_part_with_the_name_words_reversed_scores_as_the_same_name() -> None:
    score, why = _score("person", "tanner.howard@wdc.example", "h.t@eu.example", "Howard Tanner")

    assert score == 1.0
    assert why == "name similar to Howard Tanner"


def test_an_unrelated_name_stays_below_the_suggestion_threshold() -> None:
    score, _ = _score("person", "tanner.howard@wdc.example", "x@eu.example", "Ellen Brown")

    assert score < SUGGEST_THRESHOLD
