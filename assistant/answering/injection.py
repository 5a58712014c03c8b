"""Text that tries to instruct a model: such sources stay out of the prompt, such replies are refused.

The patterns describe the shapes attacks take (an order to drop earlier instructions, a new role, a
forged system marker, a request for the hidden prompt, a note addressed to the model) with word classes
rather than a list of known sentences, so reworded attacks are caught too. They are anchored on
model-directed words ("your instructions", "the language model") so that business text such as "ignore
blank rows" or "the system prompts operators" passes. A false positive only keeps one chunk out of the
prompt: the offline answer is unaffected.
"""

from __future__ import annotations

import re

_DROP = (
    r"ignore|disregard|forget|override|overrule|bypass|discard|abandon|set aside|pay no attention to"
    r"|(?:stop|quit) (?:following|obeying)|(?:do not|don't|no longer|never) (?:follow|obey|comply with)"
)
_QUALIFIER = (
    r"all|any|every|each|the|your|my|these|those|its|of|prior|previous|above|earlier|preceding|foregoing"
    r"|original|initial|existing|former|old|system|developer|operator'?s?|safety|current|given|such"
)
_ORDERS = (
    r"instructions?|guidance|directions?|directives?|rules|prompts?|context|constraints|guidelines|orders"
    r"|commands|policies|guardrails|restrictions|programming|training"
)
_MODEL = r"ai|a\.i\.|llm|language model|large language model|chat ?bot|chat ?gpt|gpt|assistant|model|bot"
_SECRET = r"hidden|secret|system|initial|original|internal|full|complete|exact|developer"
_REVEAL = r"print|reveal|show|output|repeat|display|leak|disclose|dump|write out|recite|give me|tell me"

_PATTERNS = [
    # an order to drop what came before
    rf"\b(?:{_DROP})\s+(?:(?:{_QUALIFIER})\s+){{0,3}}(?:{_ORDERS})\b",
    rf"\b(?:{_DROP})\s+(?:everything|anything|all)\s+"
    r"(?:(?:that\s+)?you(?:'ve| have| were| had)?\s+(?:been\s+)?(?:told|given|taught)|above|before)",
    # a new role or identity
    r"\byou(?: are|'re) now\b(?!\s+(?:able|ready|covered|enrolled|registered|subscribed|eligible|set up)\b)",
    r"\bfrom (?:now on|this point(?: on)?)\b,?\s+you\b",
    r"\b(?:pretend|imagine)\s+(?:to be|you are|you're|that you)\b|\brole-?play(?:ing)? as\b",
    r"\bact as (?:an? |the )?(?:unrestricted|unfiltered|uncensored|jailbroken|different|new|evil|rogue)\b",
    rf"\byour (?:new|real|true|actual) (?:role|task|persona|identity|purpose|goal|{_ORDERS})\b",
    r"\bDAN\b|\bjailbr(?:eak|oken)\b|\bdeveloper mode\b|\bdo anything now\b",
    # forged markers of a system or instruction turn
    r"\b(?:new|updated|revised|real|actual|true|secret|hidden|important|urgent|override)\s+"
    r"(?:(?:system|admin|administrator|developer|operator)\s+)?(?:directive|instruction|prompt|rule|task|order"
    r"|command|message)s?\s*:",
    r"\bsystem (?:prompt|message|directive|override|instruction)\b",  # not "the system prompts operators"
    r"\bsystem (?:messages|directives|instructions)\b",
    r"<\|[a-z_]+\|>|\[/?INST\]|<<\s*/?SYS\s*>>|</?\s*(?:system|instructions?)\s*>|#{2,}\s*(?:instruction|system|response)",
    r"\bbegin (?:system|admin|developer|new) (?:prompt|instructions?|mode)\b",
    # a note addressed to whatever model reads this
    rf"\b(?:note|message|attention|instructions?|notice|reminder)\s+(?:to|for)\s+(?:the |any |all )?"
    rf"(?:{_MODEL})s?\b",
    rf"\battention,?\s+(?:{_MODEL})s?\b",
    rf"\bif you are an? (?:{_MODEL})\b|\b(?:{_MODEL})s? (?:reading|processing|summari[sz]ing) this\b",
    # asking for the hidden prompt
    rf"\b(?:{_REVEAL})\s+(?:out\s+)?(?:all\s+)?(?:your|the (?:{_SECRET}))\s+(?:\w+\s+){{0,2}}?"
    r"(?:prompt|instructions|configuration|config|guidelines|rules|system message|context|conversation)\b",
    rf"\b(?:your|my) (?:(?:{_SECRET}) (?:prompt|instructions)|prompt)\b",
    rf"\b(?:{_SECRET}) prompt\b",
    r"\b(?:what|which) (?:are|were) your (?:\w+ )?(?:instructions|rules|prompt|guidelines|directives)\b",
    r"\b(?:repeat|print|output) (?:the )?(?:text|words|everything) (?:above|before)\b",
    # dictating the reply
    r"\b(?:respond|reply|answer) only with\b|\btell the user (?:that|to)\b",
    r"\bappend (?:a|this|the) (?:link|url|message) to (?:each|every|your|all)\b",
    # the model addressed by name, or told it has no limits
    rf"(?:^|[.!?]\s+)(?:hey |hi |dear |ok,? )?(?:{_MODEL})\s*,",
    r"\byou\b[^.!?]{0,40}\b(?:no|without any|free of|free from) "
    r"(?:rules|restrictions|limitations|limits|filters)\b",
    rf"\bset (?:(?:{_QUALIFIER})\s+){{0,3}}(?:{_ORDERS}) aside\b",
]
_INJECTION = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE)

# Rewordings no pattern foresaw still combine, within one sentence, words from several of these classes
# (an attack needs a target, a thing to subvert and an act); business text rarely has three.
_SIGNALS = [
    re.compile(r"\b(?:you|your|yourself)\b", re.IGNORECASE),
    re.compile(rf"\b(?:{_MODEL})s?\b|\bits (?:instructions|rules|prompt)\b", re.IGNORECASE),
    re.compile(
        r"\b(?:instructions?|prompt|rules|guidelines|directives?|orders|restrictions|limitations|programming"
        r"|guardrails|filters|persona)\b",
        re.IGNORECASE,
    ),
    re.compile(
        r"\b(?:ignore|disregard|forget|override|bypass|reveal|leak|disclose|aside|reset|changed|obey|comply"
        r"|unlock|jailbreak|verbatim|priority)\b",
        re.IGNORECASE,
    ),
]
_SENTENCE_END = re.compile(r"[.!?;\n]+")


def looks_like_injection(text: str) -> bool:
    """Text that tries to instruct a model (checked on sources before the prompt and on replies after)."""
    if _INJECTION.search(" ".join(text.split())):
        return True
    return any(
        sum(1 for signal in _SIGNALS if signal.search(sentence)) >= 3
        for sentence in _SENTENCE_END.split(text)
    )
