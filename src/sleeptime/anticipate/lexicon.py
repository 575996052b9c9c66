"""Word lists behind the canonical form of a question: what may differ, and what may not.

Everything here is general English, written for this project and kept small on purpose:
a word pair belongs in ``SYNONYMS`` only if swapping the two never changes what a question
asks. Co-hyponyms (Monday/Tuesday, rent/deposit, fridge/freezer) are never synonyms; a
missing pair costs a little recall, a wrong pair costs a wrong answer.
"""

from __future__ import annotations

import re

LEXICON_VERSION = "15"

# Polite frames and fillers around a question; removed before anything else is read.
_GREETING = r"(?:(?:hi|hello|hey|hiya|good (?:morning|afternoon|evening))(?: there)?[,!.:]?\s+)"
_OPENER = (
    r"(?:(?:(?:just )?(?:a )?(?:quick|short|simple|small) (?:\w+ )?(?:question|check|one)|question"
    r"|ok|okay|just checking|thanks(?: (?:so|very) much| a lot)?(?=[,!.])|thank you(?: (?:so|very)"
    r" much)?(?=[,!.])"
    r"|well|sorry(?: to (?:bother|trouble) you| if this (?:was|has been|is) (?:already )?asked"
    r"(?: before)?)?)[,:!.]?\s+)+"
)
_ASK = (
    r"(?:(?:could|can|would|will) (?:you|someone|anyone)(?: please)?"
    r" (?:tell me|remind me|let me know|work out|figure out|check|find out|say|explain)"
    r"|(?:do|does) (?:you|anyone|somebody|someone) know"
    r"|any idea|i (?:would|want to|need to|wanted to) (?:like to )?know"
    r"|(?:i (?:was |am )?)?(?:just )?wonder(?:ing)?|please (?:tell|remind) me|tell me|remind me"
    r"|i have a question|(?:can|could|may|might) i ask(?=[,:]?\s+(?:wh|how\b|if\b)))"
)
FRAME_PREFIX = re.compile(
    rf"^\s*{_GREETING}?(?:{_OPENER})?(?:please[,]?\s+)?(?:{_ASK}[,:]?\s+)?(?:please[,]?\s+)?"
)
FRAME_SUFFIX = re.compile(
    r"(?:[,;:]?\s*(?:please|thanks|thank you|thx|cheers|if you know|does anyone know"
    r"|do you know|roughly|approximately|exactly|again)\b)+\s*[?.!]*\s*$"
)

_NUMBER_AHEAD = r"(?:\d|one\b|two\b|three\b|four\b|five\b|six\b|seven\b|eight\b|nine\b|ten\b)"

_DAY_OR_MONTH = (
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april"
    r"|may|june|july|august|september|october|november|december"
)

# Phrases with one canonical spelling (applied in order, on lower-case text).
PHRASES: tuple[tuple[str, str], ...] = (
    (r"\bby whom\b", "who by"),
    (r"\bwhom\b", "who"),
    (r"\b(?:at )?what times?\b", "when"),
    (r"\bfor how long\b", "how long"),
    (r"\bwhat (is|was|are|were) the (?:price|cost)s? of\b", r"how much \1"),
    (r"\bhow much (is|was|are|were) the (?:price|cost)s? of\b", r"how much \1"),
    (r"\bhow much time\b", "how long"),
    (r"\bhow (?:often|frequently)\b", "how many times"),
    (r"\b(?:which|what) (?:person|people)\b", "who"),
    (r"\bwhat (?:is|was) the reason (?:that |why )?", "why "),
    (r"\bwhat (?:is|was|are|were) the (\w+ )?(?:number|count) of\b", r"how many \1"),
    (r"\b(?:what|which) number of\b", "how many"),
    (r"^(?:the )?number of\b", "how many"),
    (r"\bwhat amount of\b", "how much"),
    (r"\bwhat amount\b", "how much"),
    (r"\bhow much money\b", "how much"),
    (r"\b(?:am|is|are) going to\b", "will"),
    (r"\b(?:am|is|are) ((?:[\w.]+ ){1,3})going to\b", r"will \1"),
    (r"\bwhat (?:is|was|are|were|will be) the return value of\b", r"what does return"),
    (r"\b(?:allowed|permitted|able) to\b", "can"),
    (r"\b(?:has|have|had|need|needs|needed) to\b", "must"),
    (r"\b(?:required|supposed) to\b", "must"),
    (r"\bought to\b", "should"),
    (r"\bbetween (\w+) and (\w+)\b", r"from \1 to \2"),
    (r"\bwith no\b", "without"),
    (r"\bwithout any\b", "without"),
    (r"\b(so far|up to now|until now|to date|at the moment|right now)\b", ""),
    (r"\bjust (?=\d)", "only "),
    (rf"\b(?:more|greater) than (?={_NUMBER_AHEAD})", "over "),
    (rf"\b(?:less|fewer) than (?={_NUMBER_AHEAD})", "under "),
    (r"\bthe same as\b", "same as"),
    (r"\b(has|have|had) let in\b", r"\1 conceded"),
    (r"\blet in\b", "concede"),
    (
        r"\b(leaves?|left|leaving|departs?|departed|departing) ((?:\w+ ){1,3}?)for\b",
        r"\1 from \2to",
    ),  # "leave Gull Island for Northport": from one place to the other
    (r"\blets in\b", "concedes"),
    (r"\bup to (?=how )", ""),
    (r"\bfrom ((?:\w+ )?[\w.]+) on(?=\s*[?.!,]|\s*$)", r"since \1"),  # "from 3.0 on?"
    (r"\bper head\b", "per person"),
    (r"\brolled back\b", "reverted"),
    (r"\brolls back\b", "reverts"),
    (r"\brolling back\b", "reverting"),
    (r"\broll back\b", "revert"),
    (r"\b(?:is|are|was|were) (?:responsible for|in charge of) (?=\w+ing\b)", "is "),
    (r"\bput off(?=\s*[?.!]*$)", "postponed"),  # "Why was the vote put off?"
    (r"\bput off\b", "postpone"),
    (rf"\b({_DAY_OR_MONTH}) (?:through|thru) ({_DAY_OR_MONTH})\b", r"from \1 to \2"),
    (r"\bkicks? in\b", "applies"),
    (r"\brun(?:s)? out of\b", "exhaust"),
    (r"\bget(?:s)? to (?=the |a |an )", "reach "),
    (r"\bonce (?=the |a |an |it |they |he |she |we |you |i )", "if "),
    (r"\b(one|two)[- ]way\b", r"\1way"),
    (r"\bgot to (?=the |a |an )", "reached "),
    (r"\bhave got\b|\bhas got\b", "have"),
    # issue 13, fourth round (general frames; fresh2 was used for tuning from here on)
    (r"\bfree of charge\b", "for free"),
    (r"\b(?:on|at) (?:what|which) date\b", "when"),
    (r"\bversion (?=\d+\.\d)", ""),  # "in version 3.2.0" = "in 3.2.0"
    (r"^(how long (?:does|do|did|will) .+?) last(?=\s*[?.!]*$)", r"\1"),  # "... last?" = "is"
    # issue 13, seventh round: "when" by another name (``when.py`` keeps time and day apart)
    (r"\b(?:on |for )?(?:what|which) (?:dates?|days?)\b", "when"),
    (r"\b(?:during |in )?(?:what|which) hours\b", "when"),
    (r"\b(opening|closing) hours\b", r"\1 times"),  # read as "the opening time" is
    # "What did the bill come to?" asks its sum, as "How much did the bill cost?" does
    (r"^what (do|does|did|will) (.+?) (?:come|came) to(?=\s*[?.!]*$)", r"how much \1 \2 cost"),
    (r"\bin advance\b", "ahead"),  # "how far in advance" = "how far ahead"
    (r"\bhow soon\b", "when"),  # "How soon will it arrive?" asks when it will
    # chat "r" for "are", only right after a question word ("Plan R" stays a name)
    (r"\b(what|when|where|who|why|which|how(?: much| many| long| far| often)?) r\b", r"\1 are"),
    # issue 13, ninth round
    (r"\bhow far away\b", "how far"),  # "away" is what "how far" asks already
)

CHAT = {
    "whats": "what is", "whos": "who is", "hows": "how is", "wheres": "where is",
    "whens": "when is", "isnt": "is not", "arent": "are not", "wasnt": "was not",
    "werent": "were not", "doesnt": "does not", "dont": "do not", "didnt": "did not",
    "hasnt": "has not", "havent": "have not", "hadnt": "had not", "cant": "can not",
    "couldnt": "could not", "wont": "will not", "wouldnt": "would not",
    "shouldnt": "should not", "u": "you", "ur": "your", "pls": "please", "plz": "please",
    "incl": "including", "excl": "excluding",
}  # fmt: skip
"""Chat spellings without the apostrophe, the shortest forms of "you" and "please", and
"incl"/"excl"."""

CALENDAR_SHORT = {
    "tues": "tuesday", "tue": "tuesday", "weds": "wednesday", "thurs": "thursday",
    "thur": "thursday", "thu": "thursday", "fri": "friday", "feb": "february", "apr": "april",
    "aug": "august", "sept": "september", "sep": "september", "oct": "october",
    "nov": "november", "dec": "december",
}  # fmt: skip
"""Standard short forms of day and month names that are no other English word: spelled out
wherever they stand ("on weds", "9 oct")."""
CALENDAR_SHORT_AMBIGUOUS = {
    "mon": "monday", "wed": "wednesday", "sat": "saturday", "sun": "sunday",
    "jan": "january", "mar": "march", "jun": "june", "jul": "july",
}  # fmt: skip
"""Short forms that are also words or names ("sat", "sun", "Jan"): spelled out only where a
date stands, after a time preposition or next to a number ("on sat", "in jan", "sat 14")."""
CALENDAR_BEFORE = {"on", "in", "until", "till", "before", "after", "next", "last", "this",
                   "every", "each"}  # fmt: skip
"""Words after which a short form is a date; not "to", "by" or "from", which also stand
before a person ("lent to jan")."""

MONEY_PHRASES: tuple[tuple[str, str], ...] = (
    (r"\b(?:take|takes|took|taken|taking|bring|brings|brought|bringing) in\b", "earn"),
)
"""Phrases that mean "earn" in a "how much" question ("How much did the cafe take in?")."""

SUBORDINATORS = {"if", "when", "once", "because", "since", "while", "although", "unless",
                 "after", "before", "until"}  # fmt: skip
"""Words that open a clause, not a topic: "If it rains, ..." has no topic to put back."""

# Question words after canonical phrases; "which" stands for determiner "what" too.
WH = {"what", "who", "where", "when", "why", "which", "how", "whose", "whether"}

# Auxiliaries: what they say about tense. Main-verb "have" and "do" count too.
AUX_TENSE = {
    "is": "present", "are": "present", "am": "present", "does": "present", "do": "present",
    "has": "present", "have": "present", "was": "past", "were": "past", "did": "past",
    "had": "past", "will": "future", "shall": "future", "would": "present",
}  # fmt: skip
BE_FORMS = {"is", "are", "am", "was", "were", "be", "been", "being"}
GET_FORMS = {"get", "gets", "got", "gotten", "getting"}
# Modal classes: permission or ability, and obligation. "will" is a tense, not a class.
MODAL_CLASS = {
    "can": "can", "could": "can", "may": "can", "might": "can",
    "must": "must", "should": "must",
}  # fmt: skip

# Irregular verb forms -> base form. The first group are simple-past forms: in a clause
# with no auxiliary they mark the past ("Who rode ...").
IRREGULAR_PAST = {
    "ate": "eat", "began": "begin", "bought": "buy", "brought": "bring", "built": "build",
    "came": "come", "caught": "catch", "chose": "choose", "did": "do", "drank": "drink",
    "drew": "draw", "drove": "drive", "fell": "fall", "felt": "feel", "flew": "fly",
    "forgot": "forget", "found": "find", "gave": "give", "got": "get", "grew": "grow",
    "had": "have", "held": "hold", "kept": "keep", "knew": "know", "led": "lead",
    "lent": "lend", "lost": "lose", "made": "make", "meant": "mean", "met": "meet",
    "paid": "pay", "ran": "run", "rang": "ring", "rode": "ride", "rose": "rise",
    "said": "say", "sat": "sit", "saw": "see", "sent": "send", "slept": "sleep",
    "sold": "sell", "spent": "spend", "spoke": "speak", "stood": "stand", "stole": "steal",
    "swam": "swim", "taught": "teach", "thought": "think", "threw": "throw", "told": "tell",
    "took": "take", "understood": "understand", "was": "be", "went": "go", "were": "be",
    "won": "win", "wore": "wear", "wrote": "write", "broke": "break", "froze": "freeze",
    "fed": "feed", "fled": "flee", "hid": "hide", "dug": "dig", "shook": "shake",
    "woke": "wake", "sang": "sing", "sank": "sink", "hung": "hang", "struck": "strike",
    "swept": "sweep", "wept": "weep", "fought": "fight", "sought": "seek", "slid": "slide",
    "spun": "spin", "swung": "swing", "heard": "hear", "crept": "creep", "knelt": "kneel",
    "forgave": "forgive", "tore": "tear", "swore": "swear",
}  # fmt: skip
IRREGULAR_PARTICIPLE = {
    "eaten": "eat", "begun": "begin", "chosen": "choose", "done": "do", "drawn": "draw",
    "driven": "drive", "drunk": "drink", "fallen": "fall", "flown": "fly",
    "forgotten": "forget", "given": "give", "gone": "go", "gotten": "get", "grown": "grow",
    "known": "know", "ridden": "ride", "risen": "rise", "seen": "see", "spoken": "speak",
    "stolen": "steal", "swum": "swim", "taken": "take", "thrown": "throw", "worn": "wear",
    "written": "write", "broken": "break", "frozen": "freeze", "been": "be",
    "shown": "show", "blown": "blow", "mown": "mow", "sewn": "sew", "torn": "tear",
    "sworn": "swear", "beaten": "beat", "bitten": "bite", "hidden": "hide",
    "forgiven": "forgive", "shaken": "shake", "woken": "wake", "sung": "sing", "sunk": "sink",
    "proven": "prove",
}  # fmt: skip

SAME_PAST = {"cost", "put", "cut", "set", "let", "hit", "hurt", "shut", "spread", "quit",
             "split", "cast", "burst"}  # fmt: skip
"""Verbs whose past is their present: with no auxiliary, "how much the pads cost" has no
tense to compare."""

IRREGULAR_PLURAL = {
    "children": "child", "men": "man", "women": "woman", "people": "person", "feet": "foot",
    "teeth": "tooth", "mice": "mouse", "geese": "goose", "wives": "wife", "knives": "knife",
    "shelves": "shelf",
}  # fmt: skip
"""Plurals a suffix rule misses; none that is also a verb form ("leaves", "lives")."""

# Synonym groups: every word of a group is read as the group's first word. Base forms;
# the stemmer runs first, so "prices" and "priced" find "price" too.
_GROUPS = (
    "cost price",
    "start begin commence",
    "end finish terminate",
    "buy purchase",
    "need require",
    "let allow permit",
    "leave depart",
    "reach arrive",
    "concede",
    "postpone delay",
    "apply",
    "child kid",
    "bicycle bike",
    "portion serving",
    "staff employee worker",
    "receive obtain",
    "big large",
    "small little",
    "help assist",
    "show display",
    "fix repair",
    "choose pick select",
    "enough sufficient",
    "finish complete",
    "quick fast rapid",
    "phone telephone",
    "car automobile",
    "movie film",
    "shop store",
    # general question vocabulary (issue 13, second round): verbs and nouns that swap freely
    "reduce cut lower decrease shorten",
    "increase raise",
    "wait pause",
    "attempt try",
    "organize organise arrange coordinate",
    "schedule rota roster timetable",
    "postpone defer",
    "end conclude",
    "remove delete",
    "change modify alter",
    "check verify",
    "use utilize utilise",
    "own possess",
    "provide supply",
    "mistake error",
    "bug defect",
    "rule regulation",
    "amount quantity",
    "trip journey",
    "doctor physician",
    "lawyer attorney",
    "holiday vacation",
    "flat apartment",
    "rubbish garbage trash",
    "teacher instructor",
    "huge enormous",
    "configuration config",
    "information info",
    "statistics stats",
    "repository repo",
    "administrator admin",
    "team side",
    "retrospective retro",
    "speak talk",
    "answer reply respond",
    "hire employ recruit",
    "mend fix",
    "build construct",
    "close shut",
    "exit leave",
)
SYNONYMS: dict[str, str] = {}
for _group in _GROUPS:
    _words = _group.split()
    _head = next((SYNONYMS[w] for w in _words if w in SYNONYMS), _words[0])  # joins groups
    for _word in _words:
        SYNONYMS.setdefault(_word, _head)

LIGHT_VERBS = {
    "be", "have", "do", "get", "go", "make", "take", "give", "put", "set", "run", "keep",
    "let", "come", "play", "pass", "turn", "hold", "bring", "see", "stand", "carry", "break",
    "call", "draw", "fall", "lead", "leave", "move", "work", "hit", "catch", "cut", "pull",
}  # fmt: skip
"""Verbs with dozens of senses: one of them overlaps almost any verb ("go", "pass" and
"play" share a sense with "run"), so WordNet never makes them a synonym (``bridge.py``)."""

# Words that change nothing about what is asked (beyond signature.FUNCTION_WORDS).
FILLERS = {
    "please", "kindly", "exactly", "actually", "really", "roughly", "approximately",
    "around", "approx", "currently", "basically", "anyway", "even",
    "there", "it", "of", "in", "on", "at", "during", "within", "about", "with", "through",
    "throughout", "toward", "towards", "onto", "upon", "for",
    "via", "among", "inside", "along",
}  # fmt: skip
"""Prepositions not listed in ``ROLE_PREPOSITIONS`` carry no role: they are dropped.
"thanks" and "thank you" are not here: they are politeness only as a frame around the
question (``FRAME_SUFFIX``, ``FRAME_PREFIX``); inside it they can be a name ("What do
Thank You backers get?" asks about one reward tier, not about all backers)."""

ROLE_PREPOSITIONS = {"from": "from", "to": "to", "into": "to", "by": "by", "till": "to"}
"""Prepositions that say which role a noun plays (from A to B, paid by A)."""

# Quantifier groups.
QUANTIFIER_CLASS = {
    "each": "each", "every": "each", "per": "each", "apiece": "each",
    "total": "total", "totals": "total", "altogether": "total", "combined": "total",
    "overall": "total", "sum": "total",
    "average": "average", "averages": "average", "mean": "average",
    "remaining": "left", "left": "left",
}  # fmt: skip
VERB_QUANTIFIERS = {"remain": "left"}
"""Verbs that ask the same as a quantifier: "what remains" = "what is left"."""

TIME_UNITS = {"second", "minute", "hour", "day", "week", "month", "year", "season", "night"}
ADVERB_UNITS = {
    "hourly": "hour", "daily": "day", "weekly": "week", "monthly": "month", "yearly": "year",
    "annually": "year", "annual": "year", "nightly": "night",
}  # fmt: skip

MONEY_WORDS = {"money", "cost", "price", "fee", "fare", "rent", "deposit", "bill", "charge", "pay",
               "spend", "worth", "earn", "wage", "salary", "revenue", "income", "profit",
               "earnings", "takings"}  # fmt: skip
"""A "what" question about one of these asks "how much" ("What does it cost?")."""

NP_STARTS = {"the", "a", "an", "this", "that", "these", "those", "my", "your", "his", "her",
             "its", "our", "their", "each", "every", "all", "some", "any", "no", "i", "you",
             "he", "she", "we", "they", "it", "one"}  # fmt: skip
"""Words that open a noun phrase: after an auxiliary they mean the subject comes next."""

GENERIC_PRONOUNS = {"i", "me", "my", "mine", "you", "your", "yours", "we", "us", "our",
                    "ours", "it", "its", "someone", "anyone", "somebody", "anybody"}  # fmt: skip
"""The asker or anyone: "How long do I simmer it?" asks what "How long should it simmer?" does."""

GENERIC_SUBJECTS = {"people", "person", "everyone", "everybody", "one", "folks", "anyone",
                    "anybody", "someone", "somebody"}  # fmt: skip
"""Nouns for whoever does it: "How far ahead can people book?" names no class of doers."""

STATE_WORDS = {"open", "closed", "shut", "locked", "unlocked", "empty", "clear", "clean", "dry"}
"""Adjectives and participles that name a state a thing is in, of a verb for the change into
it: after a be-form a state ("is the pool *open*", "is the tip *closed*": a span of time),
where the verb names an event ("does the pool *open*", "does the tip *close*": a moment).
A participle of an action ("is the soup *kept*") is no state: "does the soup keep" asks
the same."""
