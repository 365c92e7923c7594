"""Search for the Korean edition: a word is found whatever particle follows it.

Korean writes particles and endings onto the word they follow: 기울기가, 기울기를, 기울기의
are one noun, 기울기, with a subject, object or possessive marker. Sphinx has no search
language for Korean and falls back to its English one, which indexes each of those forms as a
word of its own, so a reader who types 기울기가 finds only the pages that happen to use that
exact form.

``SearchKorean`` indexes every word twice where it ends in a particle or ending of
``ENDINGS``: as written and without it (기울기가 → 기울기가, 기울기), and its JavaScript stemmer
takes the particle off what the reader types the same way, so 기울기가 finds every page with
기울기 in any form. At least two letters must remain, so that a two-letter noun whose last
letter looks like a particle (속도, 정의, 길이) is never cut. Words without Hangul (the English
terms the Korean text gives in parentheses) are stemmed as in the English edition.
"""
import json

from sphinx.search.en import SearchEnglish, js_porter_stemmer

from rnnkit.editions import HANGUL

# Particles (조사) and the endings of 하다/되다 that follow nouns in the book's prose; longest
# first, so that 에서는 is taken off whole rather than as 는.
ENDINGS = sorted("""
    은 는 이 가 을 를 의 에 로 와 과 도 만 나 며 고 란 한 된
    에서 에게 한테 으로 로서 로써 까지 부터 보다 처럼 마다 만큼 이나 이며 이고 이란 이다
    라는 라고 에는 에도 로는 로도 와는 과는 와의 과의 하는 하고 하면 하여 해서 되는 되어
    에서는 에서도 에게는 으로는 으로도 으로서 으로써 이라는 이라고 이라면 이라도 입니다
    합니다 됩니다 이므로
""".split(), key=len, reverse=True)
MIN_STEM = 2


def strip_ending(word):
    """word without the first of ENDINGS it ends in, when MIN_STEM letters or more remain."""
    for ending in ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            return word[:-len(ending)]
    return word


# The same rule for the search page, after Sphinx's English (Porter) stemmer renamed.
_PORTER = "var Stemmer = function"
if js_porter_stemmer.count(_PORTER) != 1:
    raise RuntimeError("Sphinx's English stemmer no longer starts with 'var Stemmer = "
                       "function': book/_ext/korean_search.py must be updated to it")
JS_STEMMER = js_porter_stemmer.replace(_PORTER, "var PorterStemmer = function") + """
var Stemmer = function() {
  const porter = new PorterStemmer();
  const endings = %s;
  const hangul = /%s/;
  this.stemWord = function(word) {
    for (const ending of endings) {
      if (word.endsWith(ending) && word.length - ending.length >= %d) {
        word = word.slice(0, -ending.length);
        break;
      }
    }
    return hangul.test(word) ? word : porter.stemWord(word);
  };
};
""" % (json.dumps(ENDINGS, ensure_ascii=False), HANGUL.pattern, MIN_STEM)


class SearchKorean(SearchEnglish):
    lang = "ko"
    language_name = "Korean"
    js_stemmer_code = JS_STEMMER

    def split(self, input):
        """The words of input, each followed by its form without a particle where it has one."""
        return [form for word in super().split(input)
                for form in dict.fromkeys((word, strip_ending(word)))]

    def stem(self, word):
        """A Korean word is kept as split; any other is stemmed as the English edition does."""
        return word if HANGUL.search(word) else super().stem(word)


def setup(app):
    app.add_search_language(SearchKorean)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
