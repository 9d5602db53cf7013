"""A logging filter that masks anything shaped like a credential, whatever logged it."""

import logging
import re

SECRET_PATTERNS = [
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"), r"\1[redacted]"),
    (
        re.compile(r"(?i)((?:access|refresh|input|fb_exchange)_token[\"']?\s*[=:]\s*[\"']?)[^\s&\"',}]{8,}"),
        r"\1[redacted]",
    ),
    (re.compile(r"(?i)((?:client_secret|code_verifier|code)=)[^\s&\"']{8,}"), r"\1[redacted]"),
    # An OAuth callback's query (?code=…&state=…), as access logs print the request line: any length.
    (re.compile(r"(?i)([?&](?:code|state|oauth_token|oauth_verifier)=)[^\s&\"']+"), r"\1[redacted]"),
]


def redact(text: str) -> str:
    for pattern, replacement in SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
