"""A small built-in list of public suffixes, so that ``Domain=co.uk`` cannot set a cookie for a country.

RFC 6265 §5.3 step 5: "If the user agent is configured to reject 'public suffixes' and the
domain-attribute is a public suffix: If the domain-attribute is identical to the canonicalized
request-host: Let the domain-attribute be the empty string. Otherwise: Ignore the cookie
entirely and abort these steps."

The full Public Suffix List has ~10,000 rules; this module keeps the rule that covers most of
them (every single-label name is a suffix: ``com``, ``uk``, ``localhost``) plus the common
multi-label registries and shared-hosting domains whose tenants must not share cookies. A
``CookieJar(public_suffixes=...)`` setting adds more.
"""

from __future__ import annotations

from collections.abc import Container

__all__ = ["DEFAULT_PUBLIC_SUFFIXES", "is_public_suffix"]

_SECOND_LEVEL = {
    "uk": "ac co gov ltd me net nhs org plc police sch",
    "jp": "ac ad co ed go gr lg ne or",
    "au": "asn com edu gov id net org",
    "nz": "ac co geek gen govt iwi kiwi maori net org school",
    "br": "art com edu gov net org",
    "cn": "ac com edu gov net org",
    "in": "ac co edu firm gen gov ind net org res",
    "za": "ac co edu gov net org web",
    "mx": "com edu gob net org",
    "tr": "av bel com edu gen gov k12 net org tv web",
    "sg": "com edu gov net org per",
    "hk": "com edu gov idv net org",
    "tw": "club com edu gov idv net org",
    "kr": "ac co go ne or re",
    "ar": "com edu gob net org",
    "co": "com edu gov net org",
    "il": "ac co gov muni net org",
    "id": "ac co go or web",
    "my": "com edu gov net org",
    "ph": "com edu gov net org",
    "pk": "com edu gov net org",
    "vn": "com edu gov net org",
    "ua": "com edu gov net org",
    "th": "ac co go in or",
    "eg": "com edu gov net org",
    "sa": "com edu gov net org",
    "ng": "com edu gov net org",
    "ke": "ac co go ne or",
    "ru": "com net org",
    "es": "com edu gob nom org",
    "pl": "com net org",
    "fr": "asso com gouv nom",
    "it": "gov edu",
    "de": "com",
    "eu": "com",
}
# Shared hosting: each tenant's subdomain belongs to someone else (the PSL's "private" section).
_SHARED_HOSTING = (
    "github.io gitlab.io readthedocs.io herokuapp.com blogspot.com appspot.com azurewebsites.net "
    "cloudfront.net s3.amazonaws.com elasticbeanstalk.com pages.dev workers.dev vercel.app "
    "netlify.app firebaseapp.com web.app fly.dev onrender.com glitch.me ngrok.io ngrok-free.app"
)

DEFAULT_PUBLIC_SUFFIXES: frozenset[str] = frozenset(
    [f"{label}.{tld}" for tld, labels in _SECOND_LEVEL.items() for label in labels.split()] + _SHARED_HOSTING.split()
)


def is_public_suffix(domain: str, suffixes: Container[str] = DEFAULT_PUBLIC_SUFFIXES) -> bool:
    """Whether a canonical (lower-case, no leading dot) domain is a public suffix."""
    return "." not in domain.strip(".") or domain in suffixes
