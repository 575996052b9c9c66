"""The canonical form of a question: what it asks, with the ways of saying it taken out.

Two questions ask the same thing when their canonical forms agree (``match.py`` compares
them). Reading a question:

1. Unicode, quotes, case and contractions are normalized; polite frames and fillers
   ("Could you tell me ...", "Quick question:", "..., please") are removed; phrases with
   one canonical spelling are rewritten ("what time" -> "when", "how often" -> "how many
   times", "between A and B" -> "from A to B", "is allowed to" -> "can", "with no" ->
   "without").
2. Every token lands in one slot: numbers (canonical values), units, negations,
   comparatives, quantifiers (each = every = per = "a" before a time unit), question
   words, modal classes (can/may/could; must/should/need to), tense (of the auxiliaries,
   or of the first verb when there is none), third-person pronouns, conjunctions, role
   prepositions (from, to, for, by, than), or content words (lemmatized, synonyms
   merged). Articles, auxiliaries, the asker's own pronouns ("do I", "can you") and
   prepositions that carry no role are dropped.
3. ``content`` keeps the content words and role prepositions in order, so a matcher can
   tell "from A to B" from "from B to A"; ``wh_role`` says whether "who"/"which"/"what"
   asks for the subject ("Who trains Ana?") or not ("Who does Ana train?").

Questions in another shape ("Could you tell me the X?", "What is the name of the X?",
"How big can X be?") are restated before the pass (``restate.py``). The word classes the
reader sorts tokens by are in ``vocab.py``; the readings that need the
whole clause (the tense of a question without auxiliary, a progressive, the question
word's role) are in ``clause.py``.
"""

from __future__ import annotations

import re
import unicodedata
from fractions import Fraction

from sleeptime.anticipate import lexicon as lx
from sleeptime.anticipate.clause import asked_phrase, bare_tense, bare_what, progressive, wh_role
from sleeptime.anticipate.form import Canonical as Canonical
from sleeptime.anticipate.frames import (
    agent_first,
    agent_noun,
    determiner_before,
    implied_words,
    noun_query,
    passive_participle,
    sort_coordinated_names,
    state_word,
    telegraphic_wh,
    time_frame,
)
from sleeptime.anticipate.measure import amount_wh, measure_wh
from sleeptime.anticipate.restate import concealed_question, restate
from sleeptime.anticipate.signature import (
    _AFTER_NUMBER_UNITS,
    _SCALES,
    _SPECIAL_NUMBERS,
    _TOKEN,
    COMPARATIVES,
    CONJUNCTIONS,
    NEGATIONS,
    NUMBER_WORDS,
    ORDINALS,
    PRONOUNS,
    QUANTIFIERS,
    UNITS,
    _capitalized_words,
    _number_value,
    _read_written_number,
    expand_contractions,
    format_number,
)
from sleeptime.anticipate.typo import repair_slot_word
from sleeptime.anticipate.vocab import (
    ASKER,
    AUX,
    BREAKS,
    CLAUSE_OPENERS,
    COMPARATIVE_CLASS,
    DROP,
    HOW_HEADS,
    NEGATION_CLASS,
    PRONOUN_CASE,
    SLOT_WORDS,
    SYNONYM_LEMMAS,
    THIRD_PERSON,
    VERB_QUANTIFIERS,
    is_special,
)
from sleeptime.anticipate.when import drop_head_noun, head_wh, span_state, when_kind
from sleeptime.anticipate.words import (
    is_participle,
    lemma,
    normalize_chat,
    resolve_topic,
    rewrite_phrases,
    strip_frame,
)

CANONICAL_VERSION = f"2.{lx.LEXICON_VERSION}"

_ORDINAL_DIGITS = re.compile(r"^(\d+)(st|nd|rd|th)$")


class _Reader:
    """One pass over the tokens of a question, filling the slots of a ``Canonical``."""

    def __init__(self, words: list[str], names: set[str]) -> None:
        self.words = words
        self.names = names
        self.numbers: list[str] = []
        self.units: list[str] = []
        self.negations: list[str] = []
        self.comparatives: list[str] = []
        self.quantifiers: list[str] = []
        self.wh: list[str] = []
        self.modals: list[str] = []
        self.aux_tenses: set[str] = set()
        self.pronouns: list[str] = []
        self.asker_at: list[int] = []
        self.conjunctions: list[str] = []
        self.content: list[str] = []
        self.forms: list[tuple[str, str]] = []
        self.places: set[int] = set()
        """Positions in ``content`` right after "in" or "at" (a place: "served in the X")."""
        self.agent_wh = False
        self.saw_have = False
        self.have_at: list[int] = []
        """Where "have" is a main verb: it counts as content in "how much" questions."""
        self.how_much_noun = ""
        """The word written right after "how much", when it is no special word."""
        self.wh_end = -1
        """Index just after the first question-word phrase (-1: none)."""
        self.aux_ci = -1
        """Length of ``content`` when the first auxiliary after the question word was read."""
        self.participle_at = -1
        self.participle_ci = -1
        self.by_agent = False
        self.subject_det: str | None = None
        self.modal_at = -99
        self.and_at: list[tuple[int, int]] = []
        self.when_kind = ""
        self.span: str | None = None
        self.yes_no = False
        """An embedded yes/no question ("whether the pool is open"): a clause, no phrase."""
        """ "time" or "day": which "when" the question named (``when.py``)."""
        self.breaks: set[int] = set()
        """Positions in ``content`` where a preposition, conjunction or clause word stood."""

    def read(self) -> Canonical:
        words = self.words
        i = 0
        after_number = False
        self.participle_at = passive_participle(words)
        while i < len(words):
            word = words[i]
            i, after_number = self._one(i, after_number)
            if word in BREAKS:
                self.breaks.add(len(self.content))
        bare = (
            None
            if self.aux_tenses
            else bare_tense(self.words, self.wh_end, modal=bool(self.modals))
        )
        tense = self.aux_tenses or ({bare} if bare else set())
        phrase = not self.wh and not self.aux_tenses and not self.modals and not self.yes_no
        phrase = phrase and noun_query(self.words)
        dated, kind = head_wh(self.wh, self.words, noun_phrase=phrase)
        self.when_kind = kind or self.when_kind
        drop_head_noun(dated or ("when" if self.wh == ["when"] else ""), self.words, self.content)
        if dated:  # "pay date?", "What is the end date?" ask "when", whatever the money word
            wh: tuple[str, ...] = (dated,)
        else:
            wh = measure_wh(self.wh, self.words, self.content) or telegraphic_wh(
                self.words, self.content
            )
        wh = amount_wh(wh, self.how_much_noun)
        noun_only = phrase and (not wh or bool(dated))
        if noun_only and not dated:  # "estimated lost revenue?" asks "what is (or was) it"
            wh = measure_wh(["what"], self.words, self.content, noun_only=True)
        if noun_only:  # a noun phrase has no tense
            tense = set()
        wh = self._time_frames(wh, noun_only)
        if wh == ("who",) and self.aux_ci == 0 and self.aux_tenses and self.participle_at < 0:
            agent_noun(self.words, self.content)
        self.by_agent = agent_first(self.content, self.aux_ci, self.participle_ci, self.breaks)
        if self.by_agent and "by" in self.words:  # the doer is the subject now
            self.subject_det = determiner_before(self.words, self.words.index("by") + 2)
        sort_coordinated_names(self.content, self.and_at, self.words, self.names)
        passive = self._voice() == "passive"
        at = self.participle_ci  # a measure frame may have taken words out of content since
        verb = self.content[at] if passive and 0 <= at < len(self.content) else None
        money_at = implied_words(self.content, wh, self.have_at)
        return Canonical(
            numbers=tuple(self.numbers),
            units=tuple(sorted(self.units)),
            negations=tuple(sorted(self.negations)),
            comparatives=tuple(sorted(self.comparatives)),
            quantifiers=tuple(sorted(self.quantifiers)),
            wh=wh,
            wh_role=wh_role(
                wh,
                self.words,
                self.wh_end,
                agent_wh=self.agent_wh,
                passive=self.participle_at >= 0,
                voice=self._voice(),
                names=self.names,
                written=tuple(self.wh),
            ),
            modals=tuple(sorted(self.modals)),
            tense=frozenset(tense),
            pronouns=tuple(sorted(self.pronouns)),
            conjunctions=tuple(sorted(self.conjunctions)),
            content=tuple(self.content),
            names=frozenset(lemma(n) for n in self.names),
            voice=self._voice(),
            subject_at=self.aux_ci if not self.have_at else -1,
            money_verb=money_at,
            passive_verb=verb,
            progressive=progressive(self.words, self.wh_end),
            forms=tuple(self.forms),
            places=frozenset(self.places),
            subject_det=self.subject_det or "",
            finite=bool(self.aux_tenses or self.modals),
            asked=tuple(self._lemma(w) for w in asked_phrase(wh, self.words, self.wh_end)),
            state=None if self.agent_wh or self.by_agent else self._state(),
            asker_at=tuple(self.asker_at),
            when_kind=self.when_kind,
            bare_what=bare_what(
                wh,
                self.words,
                self.wh_end,
                passive=passive,
                progressive=progressive(self.words, self.wh_end),
            ),
        )

    def _state(self) -> str | None:
        """The state a be-form clause ends in ("is the pool *open*"), or the one opening
        hours name (``when.span_state``)."""
        return state_word(self.words) or self.span

    def _time_frames(self, wh: tuple[str, ...], noun_only: bool) -> tuple[str, ...]:
        """ "What is the opening time?" asks "when does it open", "What is the crossing time?"
        and "What is the warranty period?" ask "how long" (``frames.py``)."""
        copula = self.aux_tenses and any(w in lx.BE_FORMS for w in self.words)
        if wh not in {("what",), ("when",)} or not (copula or noun_only):
            return wh
        return time_frame(self.content, wh, self.words)

    def _voice(self) -> str:
        """ "passive" only for a passive main clause that does not name the doer."""
        if self.agent_wh or self.by_agent or "@by" in self.content:
            return "active"
        return "passive" if self.participle_at >= 0 else "active"

    def _number(self, value: str) -> None:
        self.numbers.append(value)
        self.content.append(f"#{value}")

    def _pop_number(self) -> str:
        self.content.remove(f"#{self.numbers[-1]}")
        return self.numbers.pop()

    def _next(self, i: int) -> str:
        return self.words[i + 1] if i + 1 < len(self.words) else ""

    def _one(self, i: int, after_number: bool) -> tuple[int, bool]:
        """Read the token at ``i``; return the next index and whether a number was read."""
        words = self.words
        word = words[i]
        if not word:
            return i + 1, after_number
        nxt = self._next(i)
        if word[0].isdigit() or word[0] == ".":
            value = _number_value(word)
            if value is not None:
                if nxt in _SCALES:
                    value *= _SCALES[nxt]
                    i += 1
                self._number(format_number(value))
                return i + 1, True
        if (m := _ORDINAL_DIGITS.match(word)) or word in ORDINALS:
            if word == "second" and after_number:
                self.units.append("second")
            else:
                place = int(m.group(1)) if m else ORDINALS.get(word, 0)
                # "1st" is "first" (an ordering word like "last"), "2nd" is "second"
                rank = word if word in {"first", "last"} else "first" if place == 1 else f"n{place}"
                self.comparatives.append(rank)
                self.content.append(f"<{rank}")
            return i + 1, False
        if word in _SPECIAL_NUMBERS:
            base = _SPECIAL_NUMBERS[word]
            if self.numbers and after_number and word in {"dozen", "half"}:
                base = Fraction(self._pop_number()) * base
            self._number(format_number(base))
            return i + 1, True
        if word in NUMBER_WORDS:
            parsed = _read_written_number(words, i)
            if parsed is not None:
                self._number(format_number(parsed[0]))
                return parsed[1], True
        if word == "per" and nxt == "cent":
            self.units.append("percent")
            return i + 2, False
        if word in UNITS:
            self.units.append(UNITS[word])
            return i + 1, False
        if after_number and word in _AFTER_NUMBER_UNITS:
            unit = _AFTER_NUMBER_UNITS[word]
            if unit == "thousand" and self.numbers:
                self._number(format_number(Fraction(self._pop_number()) * 1000))
            else:
                self.units.append(unit)
            return i + 1, False
        if word in lx.ADVERB_UNITS:
            self.units.append(UNITS.get(lx.ADVERB_UNITS[word], lx.ADVERB_UNITS[word]))
            self.quantifiers.append("each")
            return i + 1, False
        if word in {"a", "an"} and nxt in lx.TIME_UNITS and i > 0:
            previous = words[i - 1]
            if not is_special(previous) or previous in UNITS or previous[:1].isdigit():
                self.quantifiers.append("each")
                return i + 1, False
        self._word(i, word, nxt)
        return i + 1, False

    def _word(self, i: int, word: str, nxt: str) -> None:
        """Read a token that is not a number or a unit."""
        if word in NEGATIONS:
            self.negations.append(NEGATION_CLASS.get(word, "not"))
        elif word in lx.WH:
            self._wh(i, word, nxt)
        elif word in COMPARATIVES:
            canon = COMPARATIVE_CLASS.get(word, word)
            self.comparatives.append(canon)
            self.content.append(f"<{canon}")  # in order: "more A than B" != "more B than A"
        elif word in lx.QUANTIFIER_CLASS or word in QUANTIFIERS:
            if word == "any" and self.negations:
                return
            self.quantifiers.append(lx.QUANTIFIER_CLASS.get(word, word))
        elif word in lx.MODAL_CLASS:
            self._mark_aux(i)
            self.modal_at = i
            self.modals.append(lx.MODAL_CLASS[word])
        elif word in {"have", "do"} and (self.aux_tenses or self.modals):
            if (
                word == "have"
                and 0 < i - self.modal_at <= 4
                and (self._perfect(i) or nxt == "been")
            ):
                self.aux_tenses.add("past")  # "could ... have been cancelled": a past
            elif word == "have" and not self._perfect(i):  # "did ... have", "can ... do"
                self.have_at.append(len(self.content))
        elif word in lx.AUX_TENSE:
            self._mark_aux(i)
            tense = lx.AUX_TENSE[word]
            if word in {"has", "have", "had"}:
                if self._perfect(i):
                    tense = "past"  # "has Marta scored" asks what "did Marta score" does
                elif not is_participle(nxt):
                    self.have_at.append(len(self.content))
            self.aux_tenses.add(tense)
            self.saw_have = self.saw_have or word in {"has", "have", "had"}
        elif word == "got" and self.saw_have:
            pass  # "have the Kites got" = "do the Kites have"
        elif word in AUX:
            pass
        elif word in lx.GET_FORMS and is_participle(nxt):
            pass  # "get paged" is a passive: "get" adds nothing
        elif word in THIRD_PERSON:
            self.pronouns.append(PRONOUN_CASE.get(word, word))
        elif word in PRONOUNS or word in lx.GENERIC_PRONOUNS:
            before = next((w for w in reversed(self.words[:i]) if w), "")
            if word in ASKER and before not in CLAUSE_OPENERS:
                self.asker_at.append(len(self.content))  # not "... if you ...": a new clause
        elif word in CONJUNCTIONS:
            self.conjunctions.append(word)
            if word == "and":
                self.and_at.append((len(self.content), i))
        elif word in lx.ROLE_PREPOSITIONS:
            self._preposition(i, word, nxt)
        elif word in DROP:
            if word in {"in", "at"}:
                self.places.add(len(self.content))
        else:
            if i == self.participle_at:
                self.participle_ci = len(self.content)
            if self.subject_det is None and len(self.content) == self.aux_ci:
                self.subject_det = determiner_before(self.words, i)
            self._content(word)

    def _mark_aux(self, i: int) -> None:
        """Note where the subject starts: after the first auxiliary that follows the
        question word, or after the auxiliary a yes/no question opens with ("Can I trade
        coins?"), so that an active may match its passive there too (``align.py``)."""
        opens = i == 0 and not self.wh and not self.yes_no
        if self.aux_ci < 0 and (0 <= self.wh_end <= i or opens):
            self.aux_ci = len(self.content)

    def _perfect(self, i: int) -> bool:
        """True for "has/have/had" + participle, with up to three words between."""
        for later in [w for w in self.words[i + 1 : i + 6] if w][:4]:
            if later in {"got", "to"} or later in AUX:
                return False
            if is_participle(later):
                return True
        return False

    def _wh(self, i: int, word: str, nxt: str) -> None:
        if word == "whether" and i == 0:
            self.yes_no = True  # "(Could you check) whether X is ...": the yes/no question
            self._mark_wh_end(i + 1)  # its verb comes after the subject
            return
        # "what happens when a bucket is empty", "When it is empty, what happens?"; but
        # "(do you know) when the kitchen is cleaned" asks when.
        # A preposition alone in front ("(remind me) by when X has to reply") opens no clause.
        fronted = i == 1 and self.words[0] in {*lx.ROLE_PREPOSITIONS, "until", "since"}
        subordinate = (i > 0 and not fronted) or any(w in lx.WH for w in self.words[i + 1 :])
        if word == "when" and nxt and nxt not in AUX | set(lx.MODAL_CLASS) and subordinate:
            self.conjunctions.append("if")
            return
        if word == "how" and nxt in HOW_HEADS:
            after = self.words[i + 2] if i + 2 < len(self.words) else ""
            if nxt == "much" and not self.wh and not is_special(after):
                self.how_much_noun = self._phrase_head(i + 2)
            self.wh.append(f"how {nxt}")
            self.words[i + 1] = ""  # consumed
            self._mark_wh_end(i + 2)
            return
        if word == "what" and nxt and (not is_special(nxt) or nxt in UNITS):
            word = "which"  # "what month" = "which month"
        if word == "who" and nxt == "by":
            self.agent_wh = True
            self.words[i + 1] = ""
        self.wh.append(word)
        self._mark_wh_end(i + 1)

    def _phrase_head(self, start: int) -> str:
        """The last word of the noun phrase from ``start`` up to the next slot word: the
        head says what "how much" asks ("how much overtime *pay*" a sum of money, "how
        much *electricity*" an amount of it)."""
        head = ""
        for word in self.words[start:]:
            if not word or is_special(word):
                break
            head = word
        return head

    def _mark_wh_end(self, end: int) -> None:
        if self.wh_end < 0:
            self.wh_end = end

    def _preposition(self, i: int, word: str, nxt: str) -> None:
        role = lx.ROLE_PREPOSITIONS[word]
        if word == "to" and not (
            nxt in lx.NP_STARTS or nxt[:1].isdigit() or nxt in self.names or nxt in NUMBER_WORDS
        ):
            return  # "to" before a verb: an infinitive, not a direction
        if word == "by" and not nxt and self.wh[:1] not in (["how much"], ["when"]):
            # "Who is the shed unlocked by?"; but "How much ... cut by?" and "When must the
            # form be in by?" keep the "by" that "By how much", "By when" put in front
            self.agent_wh = True
            return
        self.content.append(f"@{role}")

    @staticmethod
    def _lemma(word: str) -> str:
        base = lemma(word)
        return SYNONYM_LEMMAS.get(base, base)

    def _content(self, word: str) -> None:
        if not word:
            return
        base = lemma(word)
        if base in VERB_QUANTIFIERS:
            self.quantifiers.append(VERB_QUANTIFIERS[base])
            return
        item = self._lemma(word)
        self.content.append(item)
        self.forms.append((item, word))


def canonical(question: str) -> Canonical:
    """Read ``question`` into its canonical form (see the module docstring)."""
    text = unicodedata.normalize("NFKC", question).replace("\u2019", "'").replace("\u2018", "'")
    plain = re.sub(r"\s+", " ", normalize_chat(expand_contractions(text))).strip()
    framed = strip_frame(plain)
    if framed != plain and framed.startswith("if ") and "," not in framed:
        framed = "whether " + framed[3:]  # "I'd like to know if the museum opens": whether
    framed = resolve_topic(concealed_question(plain, framed))
    body = restate(strip_frame(rewrite_phrases(framed)))
    names = {n for n in _capitalized_words(text)}
    words = [w[:-2] if w.endswith("'s") else w for w in _TOKEN.findall(body)]
    words = [w if w in names else repair_slot_word(w, SLOT_WORDS) for w in words]
    reader = _Reader(words, names)
    reader.when_kind, reader.span = when_kind(framed), span_state(body)
    return reader.read()
