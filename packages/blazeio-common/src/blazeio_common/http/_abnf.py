"""Grammar of RFC 9110 / RFC 9112 as compiled regular expressions (on latin-1 ``str``).

Every pattern is possessive where it can be, so none of them backtracks: a hostile head
costs one linear scan.
"""

from __future__ import annotations

import re

# token = 1*tchar  (RFC 9110 §5.6.2)
TOKEN = r"[-!#$%&'*+.^_`|~0-9A-Za-z]++"
# field-value = *field-content; field-content = field-vchar [ 1*( SP / HTAB / field-vchar ) field-vchar ]
# field-vchar = VCHAR / obs-text. Leading/trailing OWS is not part of the value (§5.5).
_VCHAR = r"[^\x00-\x20\x7f]"
FIELD_VALUE = rf"(?:{_VCHAR}++(?:[ \t]++{_VCHAR}++)*+)?+"
token = re.compile(TOKEN)
field_value = re.compile(FIELD_VALUE)

# request-line = method SP request-target SP HTTP-version  (RFC 9112 §3)
# The target is restricted to visible ASCII: no whitespace, CTLs or raw non-ASCII bytes.
request_line = re.compile(rf"({TOKEN}) ([\x21-\x7e]++) HTTP/([0-9])\.([0-9])")
# status-line = HTTP-version SP status-code SP [ reason-phrase ]  (RFC 9112 §4)
# A missing SP before an empty reason is tolerated: real servers send "HTTP/1.1 200".
status_line = re.compile(r"HTTP/([0-9])\.([0-9]) ([0-9]{3})(?: ([\t \x21-\x7e\x80-\xff]*+))?")

# Host = uri-host [ ":" port ]  (RFC 9110 §7.2), uri-host = IP-literal / IPv4address / reg-name
host_value = re.compile(r"(?:\[[0-9A-Za-z:.%_~-]++\]|[0-9A-Za-z!$&'()*+,;=._~%-]*+)(?::[0-9]*+)?")
# chunk = chunk-size [ chunk-ext ] CRLF  (RFC 9112 §7.1)
# chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
_QUOTED = r'"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*+"'
chunk_line = re.compile(
    rf"([0-9A-Fa-f]++)((?:[ \t]*+;[ \t]*+{TOKEN}(?:[ \t]*+=[ \t]*+(?:{TOKEN}|{_QUOTED}))?+)*+)[ \t]*+"
)
content_length = re.compile(r"[0-9]++")
