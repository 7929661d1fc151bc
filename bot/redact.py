"""Masking secrets and personal data in text before it is posted to Slack (`AIG_REDACT`).

Pure string functions. Covers API keys and bearer tokens, email addresses, phone numbers and
payment card numbers (Luhn-checked, so order numbers survive); more patterns can be added.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

_SECRET_PATTERNS = (
    # Provider keys: OpenAI/Anthropic (sk-…), Slack (xox?-…), GitHub (ghp_…), Google (AIza…), AWS.
    re.compile(r"\b(?:sk|rk|pk)-[A-Za-z0-9_\-]{16,}"),
    re.compile(r"\bxox[abprs]-[A-Za-z0-9\-]{10,}"),
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}"),
    re.compile(r"\bAIza[0-9A-Za-z_\-]{30,}"),
    re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),  # JWTs
)
_BEARER = re.compile(
    r"(?i)\b(bearer|token|api[_-]?key|secret|password)(\"?\s*[:=]\s*\"?|\s+)([A-Za-z0-9._~+/\-]{8,}=*)"
)
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}\b")
_CARD = re.compile(r"\b(?:\d[ \-]?){12,18}\d\b")
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.\-]?)?(?:\(\d{2,4}\)[\s.\-]?)?\d{2,4}[\s.\-]\d{3,4}[\s.\-]?\d{3,4}\b"
)


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "[card]" if 13 <= len(digits) <= 19 and _luhn(digits) else match.group(0)


@dataclass(frozen=True, slots=True)
class Redactor:
    """Masks what should not reach Slack; `enabled=False` passes text through."""

    enabled: bool = True
    extra: tuple[re.Pattern[str], ...] = field(default=())

    @classmethod
    def build(cls, *, enabled: bool, extra_patterns: Iterable[str] = ()) -> Redactor:
        """A redactor with additional regular expressions (each match becomes `[redacted]`)."""
        return cls(enabled=enabled, extra=tuple(re.compile(p) for p in extra_patterns))

    def __call__(self, text: str) -> str:
        if not self.enabled or not text:
            return text
        for pattern in _SECRET_PATTERNS:
            text = pattern.sub("[secret]", text)
        text = _BEARER.sub(lambda m: f"{m.group(1)}{m.group(2)}[secret]", text)
        text = _EMAIL.sub("[email]", text)
        text = _CARD.sub(_card, text)
        text = _PHONE.sub("[phone]", text)
        for pattern in self.extra:
            text = pattern.sub("[redacted]", text)
        return text
