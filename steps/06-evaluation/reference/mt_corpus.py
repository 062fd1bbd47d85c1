"""Made-up translations for step 06's BLEU and chrF references and benchmark.

Sentences come from a small grammar; a reference is a sentence, a second reference a
paraphrase (synonyms), and a hypothesis a "translation" with synonyms, dropped, swapped and
added words and sometimes a cut ending. All randomness is Numerical Recipes' 32-bit linear
congruential generator written here, so the corpora are the same on every machine and
Python version. Two kinds:

- make_corpus(): words separated by spaces (now and then two, a tab or U+00A0), ending in a
  separate "." : text that needs no tokeniser (sacreBLEU's tokenize="none", NLTK's words);
- make_rich_corpus(): the same sentences written as a person would, for the 13a tokeniser,
  lowercasing and chrF: punctuation attached to words, numbers (3.5, 1,000, 9-5), HTML
  entities (&quot;, &amp;), parentheses, hyphens and apostrophes inside words, capitalised
  and all-caps words, and words in other scripts (Greek capitals with final sigmas,
  Turkish dotted İ, German ß, Georgian Mtavruli, Deseret, full-width Latin, the Ǆ digraph).

Used by bleu_nltk.py, bleu_sacrebleu.py and ../bench/compare_bleu.py.
"""

NOUNS = ["dog", "cat", "man", "woman", "child", "farmer", "teacher", "river", "house", "garden",
         "market", "ship", "letter", "song", "king", "queen", "café", "baker", "bridge", "storm"]
VERBS = ["sees", "finds", "builds", "paints", "follows", "visits", "remembers", "carries",
         "sells", "loves", "fears", "watches"]
ADJECTIVES = ["old", "young", "small", "large", "quiet", "noisy", "red", "green", "naïve",
              "clever", "tired", "happy"]
PLACES = ["in the morning", "near the river", "at the market", "after the storm",
          "in the garden", "before dinner", "on the bridge", "in Straße Nord"]
SYNONYMS = {"sees": "spots", "finds": "discovers", "builds": "makes", "large": "big",
            "small": "little", "quiet": "silent", "loves": "adores", "house": "home",
            "man": "gentleman", "child": "kid", "near": "by", "happy": "glad",
            "tired": "weary", "ship": "boat", "market": "bazaar", "storm": "tempest"}
FILLERS = ["really", "also", "then", "indeed", "very", "the", "a"]

# make_rich_corpus()'s extra words: what 13a splits or keeps, and what lowercasing maps.
EXTRAS = ["3.5", "1,000", "9-5", "well-known", "isn't", "&quot;yes&quot;", "R&amp;D", "(twice)",
          "e.g.", "U.S.", "$20", "50%", "a/b", "x+y", "<3", "[sic]", "ΟΔΟΣ", "ΣΟΦΙΑ'Σ", "İstanbul",
          "STRASSE", "Straße", "ᲒᲔᲝ", "𐐀𐐁", "ＡＢＣ", "Ǆemal", "Ωμέγα", "ΑΣ.", "naïve—really",
          "«quoted»", "…", "über-", "-5", "5.", ".5", "a..b", "1.2.3"]


def lcg(seed):
    """Numerical Recipes' 32-bit linear congruential generator: a fixed, portable stream."""
    state = seed
    while True:
        state = (1664525 * state + 1013904223) % 2**32
        yield state >> 8


class Draws:
    """Choices and coin flips from one lcg stream."""

    def __init__(self, seed):
        self.stream = lcg(seed)

    def below(self, n):
        return next(self.stream) % n

    def pick(self, items):
        return items[self.below(len(items))]

    def chance(self, percent):
        return self.below(100) < percent


def sentence(draws):
    """A reference sentence of 5 to 17 words, the last one "."."""
    words = ["the"]
    if draws.chance(60):
        words.append(draws.pick(ADJECTIVES))
    words += [draws.pick(NOUNS), draws.pick(VERBS), "the"]
    if draws.chance(40):
        words.append(draws.pick(ADJECTIVES))
    words.append(draws.pick(NOUNS))
    if draws.chance(70):
        words += draws.pick(PLACES).split()
    if draws.chance(30):
        words += ["and", draws.pick(VERBS), "the", draws.pick(NOUNS)]
    words[0] = "The"
    return words + ["."]


def paraphrase(words, draws, percent):
    """Some words replaced by their synonyms."""
    return [SYNONYMS[w] if w in SYNONYMS and draws.chance(percent) else w for w in words]


def translate(words, draws, minimum):
    """A hypothesis: a paraphrase with words dropped, swapped and added, maybe cut short,
    never shorter than `minimum` words."""
    out = paraphrase(words, draws, 40)
    for _ in range(draws.below(3)):
        if len(out) > minimum:
            del out[draws.below(len(out))]
    for _ in range(draws.below(3)):
        i = draws.below(len(out) - 1)
        out[i], out[i + 1] = out[i + 1], out[i]
    for _ in range(draws.below(2)):
        out.insert(draws.below(len(out) + 1), draws.pick(FILLERS))
    if draws.chance(15):
        out = out[:max(minimum, len(out) * 2 // 3)]
    return out


def spaced(words, draws):
    """The words as a line; now and then with a double space, a tab or a no-break space
    (U+00A0) between two of them, which Python's str.split() treats as any space."""
    line = words[0]
    for word in words[1:]:
        line += draws.pick([" "] * 12 + ["  ", "\t", "\u00a0"]) + word
    return line


def make_corpus(sentences, seed, streams=2, minimum=4):
    """(hypotheses, [reference stream, ...]): `sentences` lines each, hypotheses of at least
    `minimum` words."""
    draws = Draws(seed)
    hypotheses, references = [], [[] for _ in range(streams)]
    for _ in range(sentences):
        words = sentence(draws)
        references[0].append(spaced(words, draws))
        for k in range(1, streams):
            references[k].append(spaced(paraphrase(words, draws, 50), draws))
        hypotheses.append(spaced(translate(words, draws, minimum), draws))
    return hypotheses, references


def enrich(words, extras, draws):
    """A sentence's words with `extras` put in at fixed places, written as a person would:
    the final "." and some commas attached to the word before, some words in capitals."""
    out = list(words)
    for k, extra in enumerate(extras):
        out.insert(min(len(out) - 1, 2 + 3 * k), extra)
    line = out[0]
    for i, word in enumerate(out[1:], 1):
        if word == ".":
            line += word
        else:
            if i < len(out) - 2 and draws.chance(10):
                line += ","
            line += " " + (word.upper() if draws.chance(8) else word)
    return line


def make_rich_corpus(sentences, seed, streams=2):
    """(hypotheses, [reference stream, ...]) like make_corpus(), written with punctuation,
    numbers, entities, case and other scripts (see the file); references and hypothesis of
    a sentence share most of their extra words, so that they can match."""
    draws = Draws(seed)
    hypotheses, references = [], [[] for _ in range(streams)]
    for _ in range(sentences):
        words = sentence(draws)
        extras = [draws.pick(EXTRAS) for _ in range(draws.below(4))]
        references[0].append(enrich(words, extras, draws))
        for k in range(1, streams):
            references[k].append(enrich(paraphrase(words, draws, 50), extras, draws))
        kept = [e for e in extras if draws.chance(70)]
        hypotheses.append(enrich(translate(words, draws, 2), kept, draws))
    return hypotheses, references
