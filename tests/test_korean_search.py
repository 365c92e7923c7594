"""book/_ext/korean_search.py: the Korean edition's search index and query stemmer.

The search page itself (that it finds a word typed with a particle, and that its JavaScript
stemmer agrees with the index's) is tested in a browser by tests/test_browser.py.
"""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "book" / "_ext"))
from korean_search import ENDINGS, SearchKorean, strip_ending  # noqa: E402


@pytest.mark.parametrize("word, stem", [
    ("기울기가", "기울기"), ("기울기를", "기울기"), ("기울기의", "기울기"), ("기울기", "기울기"),
    ("은닉상태에서는", "은닉상태"),     # the longest ending, not 는
    ("시퀀스에서", "시퀀스"), ("계산합니다", "계산"), ("RNN의", "RNN"),
    # two-letter nouns whose last letter is also a particle keep it
    ("속도", "속도"), ("정의", "정의"), ("길이", "길이"), ("속도가", "속도"),
    ("gradient", "gradient"), ("의", "의"),
])
def test_an_ending_comes_off_when_two_letters_remain(word, stem):
    assert strip_ending(word) == stem


def test_endings_are_tried_longest_first():
    assert [len(e) for e in ENDINGS] == sorted(map(len, ENDINGS), reverse=True)


def test_the_index_has_each_word_as_written_and_without_its_particle():
    search = SearchKorean({})
    words = search.split("기울기가 소실되는 RNN의 gradients 속도")
    assert words == ["기울기가", "기울기", "소실되는", "소실", "RNN의", "RNN", "gradients", "속도"]
    # Korean words are kept, the rest stemmed as in the English edition.
    assert [search.stem(w) for w in words] == [
        "기울기가", "기울기", "소실되는", "소실", "RNN의", "rnn", "gradient", "속도"]


def test_a_query_with_a_particle_meets_the_index_of_any_other_form():
    """What the search page does with a typed word (strip, then stem) lands on a word the index
    holds for every form of the same noun."""
    search = SearchKorean({})
    indexed = {search.stem(w) for w in search.split("기울기는 기울기를 기울기")}
    for typed in ("기울기가", "기울기의", "기울기에서"):
        assert search.stem(strip_ending(typed)) in indexed


def test_the_stemmer_of_the_search_page_carries_the_same_endings():
    js = SearchKorean.js_stemmer_code
    assert "var PorterStemmer = function" in js and "var Stemmer = function" in js
    for ending in ENDINGS:
        assert f'"{ending}"' in js
