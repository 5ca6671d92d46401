"""Understanding customer text: intents, entities, sentiment, language.

The rest of Careline talks to :class:`nlu.base.NLU` only; engines live behind it
(``nlu.builtin`` is the default, a Rasa-over-HTTP backend comes later).
"""

from nlu.base import NLU, Entity, IntentScore, ParseResult, Sentiment

__all__ = ["NLU", "Entity", "IntentScore", "ParseResult", "Sentiment"]
