"""Rule 3 of the secret detector: where, in free text, is a secret VALUE?

Three linear scans, each reading every character a bounded number of times
(no regular expression with an unbounded quantifier is ever retried from
many start positions):

- URL credentials: at each ``://``, the user-info part (<= 512 characters of
  ``[^@/?#\\s"'<>]``) before an ``@``; after its first ``:`` is the password.
- keyed values: at each word (``[\\w.-]``, <= 128 characters) that holds a
  secret-ish fragment and that ``key_looks_secret`` accepts, the value right
  after it, in one of these forms::

      key=value   key = 'value'   "key": "value"   key="value" (XML attribute)
      <key>value</key>   'key' => 'value'   define('KEY', 'value')   env('KEY', 'default')
      $key = 'value'   $a['key'] = "value"   $key = getenv('X') ?: 'fallback'
      getenv('KEY') ?: 'fallback'   $_ENV['KEY'] ?? 'fallback'

  An unquoted value (only after ``=``) runs to ``; & " ' < >`` or white space.
- value shapes (``shapes.shape_spans``): PEM keys, AWS, GitHub, Slack, JWT, Google.

``mask_text`` adds the line forms of env files, INI, properties and YAML
(``KEY=v``, ``export K=v``, ``key: v``, ``- K=v``, ``key v`` for strong
words), YAML block scalars (``secret: >-`` masks the indented lines after
it) and PEM blocks spread over lines.
"""

from __future__ import annotations

import heapq
import re
from typing import Optional

from ...model import SECRET_MARKER
from .names import WEAK_PARTS, WEAK_PLAIN_VALUES, secret_word
from .shapes import _PEM_HEAD, replace_spans, shape_spans

MAX_KEY = 128
MAX_VALUE = 16 << 10
MAX_USERINFO = 512

#: a fragment of every secret word (names.SECRET_PARTS / SECRET_SUFFIXES): where a key may be.
#: Searched with str.find on an ASCII-lowered copy (a regex alternation is 10x slower in CPython).
HINTS = ("pas", "pw", "pin", "secret", "token", "key", "cred", "auth", "salt", "priv", "dsn", "jwt")
#: where a credential shape or URL credentials may start (case as written)
SHAPE_HINTS = ("://", "-----BEGIN ", "AKIA", "ASIA", "gh", "xox", "AIza", "eyJ")
_WORDCH = re.compile(r"[\w.\-]")
_WORD_RUN = re.compile(r"[\w.\-]*")
_UNQUOTED = re.compile(r"[^;&\s\"'<>]{1,%d}" % MAX_VALUE)
_SPACES = re.compile(r"[ \t]{0,64}")
_ENV_LOOKUP = re.compile(
    r"""(?:getenv\([ \t]{0,8}["'][\w.\-]{1,128}["'][ \t]{0,8}\)"""
    r"""|\$_(?:ENV|SERVER)\[[ \t]{0,8}["'][\w.\-]{1,128}["'][ \t]{0,8}\])[ \t]{0,8}(?:\?:|\?\?)[ \t]{0,8}""")
_FALLBACK = re.compile(r"[ \t]{0,8}(?:\?:|\?\?)[ \t]{0,8}")
_CALL_BEFORE = re.compile(r"(?:\bdefine|\benv)\([ \t]{0,8}\Z")
_GETENV_BEFORE = re.compile(r"\bgetenv\([ \t]{0,8}\Z")
_BOOLEAN = frozenset({"true", "false", "yes", "no", "on", "off", "none", "null", "nil", "~", "enabled",
                      "disabled"})
_VERSION = re.compile(r"[~^<>=v]{0,3}[0-9]{1,9}\.[0-9]{1,9}(?:\.[0-9x*]{1,9})?(?:[-+][0-9A-Za-z.\-]{0,40})?|\*|latest")
_VERSION_FIRST = frozenset("~^<>=v0123456789*")
_REFERENCE = re.compile(r"\$\{?[A-Za-z_][A-Za-z0-9_]{0,127}\}?|\{\{[^{}]{0,200}\}\}|%\([A-Za-z_]\w{0,127}\)s")


def plain_value(word: str, value: str) -> bool:
    """A value under a secret name that is not itself a secret: a boolean, a reference to a
    variable (``$DB_PASSWORD``, ``{{ vault_pw }}``), the marker, or a file path under a weak
    word (``ssl_key=/etc/ssl/private/x.key`` names where the key is)."""
    v = value.strip().strip("\"'")
    if not v or v == SECRET_MARKER or v.lower() in _BOOLEAN:
        return True
    if v[0] in "${%" and len(v) <= 260 and _REFERENCE.fullmatch(v):
        return True
    if len(v) <= 64 and (v[0] in _VERSION_FIRST or v == "latest") and _VERSION.fullmatch(v):
        return True  # a dependency's version ("jsonwebtoken": "^8.5.1", "object-keys": "~1.1.1")
    if word in WEAK_PARTS:
        if v.lower() in WEAK_PLAIN_VALUES:
            return True
        if v[0] in "/~." and " " not in v and len(v) <= 4096:
            return "/" in v
    return False


class _Finder:
    """str.find with memory: scanning forward, each character is searched once per needle."""

    def __init__(self, text: str):
        self.text = text
        self.memo: dict[str, tuple[int, int]] = {}

    def find(self, needle: str, pos: int) -> int:
        got = self.memo.get(needle)
        if got is not None and got[0] <= pos and (got[1] < 0 or pos <= got[1]):
            return got[1]
        found = self.text.find(needle, pos)
        self.memo[needle] = (pos, found)
        return found

    def closing(self, q: str, pos: int) -> int:
        """Index of the first ``q`` at or after ``pos`` not escaped by a backslash, else -1."""
        text = self.text
        while True:
            i = self.find(q, pos)
            if i < 0:
                return -1
            n = 0
            while i - n - 1 >= pos and text[i - n - 1] == "\\":
                n += 1
            if n % 2 == 0:
                return i
            pos = i + 1


#: ``://`` then a bounded user-info and its ``@``: a literal first, so the engine skips to each
#: ``://`` itself, and a failed attempt reads at most MAX_USERINFO characters
_URL_USERINFO = re.compile(r"://([^@/?#\s\"'<>]{0,%d})@" % MAX_USERINFO)


def url_credential_spans(text: str, out: list) -> None:
    for m in _URL_USERINFO.finditer(text):
        a, end = m.span(1)
        colon = text.find(":", a, end)
        if colon >= 0 and end > colon + 1:
            out.append((colon + 1, end))


_ASCII_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def _is_word(c: str) -> bool:
    """``c`` matches ``[\\w.\\-]`` (a set lookup for ASCII; the regex decides the rest)."""
    return c in _ASCII_WORD or (c > "\x7f" and _WORDCH.match(c) is not None)


def _word_at(text: str, hit: int, floor: int) -> Optional[tuple[int, int]]:
    """The [start, end) of the key word around ``hit``, or None when longer than MAX_KEY."""
    start = hit
    lim = max(floor, hit - MAX_KEY)
    while start > lim and _is_word(text[start - 1]):
        start -= 1
    if start == hit - MAX_KEY and start > floor and _is_word(text[start - 1]):
        return None
    end = _WORD_RUN.match(text, hit).end()
    if end - start > MAX_KEY:
        return (-1, end)
    return start, end


def _value_after(text: str, find: _Finder, ws: int, we: int, word: str) -> tuple[Optional[tuple[int, int]], int]:
    """((start, end) of the value keyed by text[ws:we], or None; where scanning goes on)."""
    n = len(text)
    before = text[ws - 1] if ws else ""
    p = we
    kq = before if before in "\"'" and text.startswith(before, p) else ""
    if kq:
        p += 1
    if before == "<":  # <password>value</password>
        gt = find.find(">", p)
        if gt < 0 or gt - p > 1024 or "<" in text[p:gt]:
            return None, we
        lt = find.find("<", gt + 1)
        if lt < 0 or lt - gt > MAX_VALUE + 1 or not text.startswith("</" + text[ws:we], lt) \
                or text.find("\n", gt + 1, lt) >= 0:
            return None, we
        if text[gt + 1:lt].strip() and not plain_value(word, text[gt + 1:lt]):
            return (gt + 1, lt), lt
        return None, lt
    p = _skip_spaces(text, p)
    if kq and p < n and text[p] == "]":  # $cfg['db']['password'] = …; a further [subscript] decides instead
        p = _skip_spaces(text, p + 1)
        if p < n and text[p] == "[":
            return None, we
        fb = _FALLBACK.match(text, p)
        if fb and fb.end() > p and text[max(0, ws - 20):ws - 1].rstrip().endswith("["):
            return _quoted(text, find, fb.end(), word)
    if p >= n:
        return None, we
    c = text[p]
    if kq and c == ")" and _GETENV_BEFORE.search(text, max(0, ws - 20), ws - 1):
        fb = _FALLBACK.match(text, p + 1)
        if fb and fb.end() > p + 1:
            return _quoted(text, find, fb.end(), word)
        return None, we
    if kq and c == "," and _CALL_BEFORE.search(text, max(0, ws - 20), ws - 1):
        p = _skip_spaces(text, p + 1)
        return _quoted(text, find, _lookup(text, p), word)
    if c == "=":
        if text.startswith("=>", p):
            p = _skip_spaces(text, p + 2)
            return _quoted(text, find, _lookup(text, p), word)
        if text.startswith("==", p):
            return None, we
        p = _skip_spaces(text, p + 1)
        if p < n and text[p] in "\"'":
            return _quoted(text, find, p, word)
        p2 = _lookup(text, p)
        if p2 != p:
            return _quoted(text, find, p2, word)
        if p < n and text[p] == "$" and p + 1 < n and (text[p + 1].isalpha() or text[p + 1] in "_{"):
            return None, we  # $VAR, ${VAR}, $this->x: a reference, not a literal
        if p < n and text[p] not in "([{<>`;&,=!":
            m = _UNQUOTED.match(text, p)
            if m and not plain_value(word, m.group()):
                return m.span(), m.end()
        return None, we
    if c == ":" and (kq or before not in "\"'"):
        p = _skip_spaces(text, p + 1)
        if p < n and text[p] in "\"'":
            return _quoted(text, find, p, word)
    return None, we


def _lookup(text: str, p: int) -> int:
    if p >= len(text) or text[p] not in "g$":  # getenv(…) ?: or $_ENV[…] ?? start so
        return p
    m = _ENV_LOOKUP.match(text, p)
    return m.end() if m else p


def _skip_spaces(text: str, p: int) -> int:
    if p < len(text) and text[p] in " \t":
        return _SPACES.match(text, p).end()
    return p


def _quoted(text: str, find: _Finder, p: int, word: str) -> tuple[Optional[tuple[int, int]], int]:
    if p >= len(text) or text[p] not in "\"'":
        return None, p
    q = text[p]
    close = find.closing(q, p + 1)
    if close < 0 or close - p > MAX_VALUE or text.find("\n", p + 1, close) >= 0:
        return None, p + 1  # values do not span lines: mask_text keeps the line count
    if close > p + 1 and not plain_value(word, text[p + 1:close]):
        return (p + 1, close), close + 1
    return None, close + 1


def ascii_lower(text: str) -> str:
    """``text`` lower-cased with every non-ASCII character as ``?``: same length, same offsets."""
    if text.isascii():
        return text.lower()
    return text.encode("ascii", "replace").decode("ascii").lower()


class Hits:
    """Ascending positions where any of ``needles`` occurs (one str.find per needle and step)."""

    def __init__(self, text: str, needles: tuple):
        self.text = text
        self.heap = [(i, nd) for nd in needles for i in (text.find(nd),) if i >= 0]
        heapq.heapify(self.heap)

    def next(self, pos: int) -> int:
        heap, text = self.heap, self.text
        while heap:
            i, nd = heap[0]
            if i >= pos:
                return i
            j = text.find(nd, pos)
            if j < 0:
                heapq.heappop(heap)
            else:
                heapq.heapreplace(heap, (j, nd))
        return -1


#: secret-looking keys one line may hold before the rest of that line is masked whole: no real
#: config line has this many; a crafted one would otherwise cost seconds of per-key work
MAX_KEYS_PER_LINE = 256


def keyed_spans(text: str, out: list, low: Optional[str] = None, keys: Optional[list] = None) -> None:
    """Spans of values keyed by a secret name (the forms in the module doc) into ``out``;
    for every secret name seen, (where it starts, where its masked value ends or -1) into
    ``keys`` when given."""
    find = _Finder(text)
    hits = Hits(ascii_lower(text) if low is None else low, HINTS)
    pos = 0
    done = 0  # words end before here
    line_end = -1  # end of the line the count is for
    count = 0
    while True:
        hit = hits.next(pos)
        if hit < 0:
            return
        if hit > line_end:
            line_end = text.find("\n", hit)
            line_end = len(text) if line_end < 0 else line_end
            count = 0
        w = _word_at(text, hit, done)
        if w is None or w[0] < 0:
            pos = done = w[1] if w else _WORD_RUN.match(text, hit).end()
            continue
        ws, we = w
        word = secret_word(text[ws:we])
        if not word:
            pos = done = we
            continue
        count += 1
        if count > MAX_KEYS_PER_LINE:
            out.append((ws, line_end))
            if keys is not None:
                keys.append((ws, line_end))
            pos = done = line_end
            continue
        span, nxt = _value_after(text, find, ws, we, word)
        if span:
            out.append(span)
        if keys is not None:
            keys.append((ws, span[1] if span else -1))
        pos = done = max(we, nxt)


def _merge(spans: list) -> list:
    if len(spans) < 2:
        return spans
    spans.sort()
    merged = [spans[0]]
    for a, b in spans[1:]:
        if a <= merged[-1][1]:
            if b > merged[-1][1]:
                merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def could_hold_secret(text: str) -> bool:
    """False when ``text`` holds no hint at all (no secret-word fragment, no shape start): the
    common case, answered with a few substring tests."""
    low = text.lower() if text.isascii() else ascii_lower(text)
    return any(h in low for h in HINTS) or any(h in text for h in SHAPE_HINTS)


def secret_spans(text: str) -> list[tuple[int, int]]:
    """Sorted, disjoint spans of secret values in ``text`` (URL passwords, keyed values, shapes)."""
    if len(text) < 4096 and not could_hold_secret(text):
        return []
    spans: list = []
    if "://" in text:
        url_credential_spans(text, spans)
    keyed_spans(text, spans)
    spans += shape_spans(text)
    return _merge(spans)


def _replace(text: str, spans: list, marker: str = SECRET_MARKER) -> str:
    return replace_spans(text, spans, marker)


def mask_inline(text: str) -> str:
    """Mask secret values inside free text: URL passwords (scheme://user:pass@), keyed values
    (``password=x``, ``"token": "x"``, XML, PHP forms) and credential-shaped values."""
    if not text:
        return text
    return _replace(text, secret_spans(text))


def has_url_credentials(value: str) -> bool:
    """True if ``value`` carries a password inline: URL user-info or a ``password=x`` pair."""
    if not value:
        return False
    spans: list = []
    if "://" in value:
        url_credential_spans(value, spans)
    if not spans:
        keyed_spans(value, spans)
    return bool(spans)


_ASSIGN = re.compile(
    r"(?P<lead>[ \t]{0,64}(?:-[ \t]{1,8})?(?:(?:export|set|setenv)[ \t]{1,16})?(?P<kq>[\"']?))"
    r"(?P<key>[A-Za-z_][A-Za-z0-9_.\-]{0,127})(?P=kq)(?P<sep>[ \t]{0,16}[=:](?![>=])[ \t]{0,64}|[ \t]{1,64}(?=\S))"
)
_BLOCK = re.compile(r"[|>][-+0-9]{0,3}[ \t]*(?:#.*)?")
_STRONG_SPACED = frozenset({"PASSWORD", "PASSWD", "PASS", "PASSPHRASE", "REQUIREPASS", "MASTERAUTH", "SECRET",
                            "TOKEN", "PW", "PWD"})


def _assign_line(body: str) -> tuple[Optional[str], bool]:
    """(masked line or None when no KEY<sep>VALUE of a secret key, whether a YAML block scalar follows)."""
    m = _ASSIGN.match(body)
    if not m:
        return None, False
    key = m.group("key")
    word = secret_word(key)
    if not word:
        return None, False
    sep = m.group("sep").strip()
    if sep not in ("=", ":") and not (word in _STRONG_SPACED or word.endswith(("PASS", "PASSWORD", "PWD"))):
        return None, False
    rest = body[m.end():]
    val = rest.rstrip()
    trail = rest[len(val):]
    if val.endswith(",") and sep:
        val, trail = val[:-1], "," + trail
    if not val:
        return None, False
    if sep == ":" and _BLOCK.fullmatch(val):
        return body, True
    if not sep and " " in val:
        return None, False  # a directive with several words: not a KEY VALUE pair
    if plain_value(word, val):
        return body, False
    if val[0] in "\"'" and not (len(val) > 1 and val.endswith(val[0])):
        return None, False  # the quoted value goes on: mask inline
    quote = val[0] if val[0] in "'\"" and val.endswith(val[0]) and len(val) > 1 else ""
    return f"{body[:m.end()]}{quote}{SECRET_MARKER}{quote}{trail}", False


#: what may follow a value masked to the end of its line (its closing quote, a separator)
_CLOSED = frozenset({"", '"', "'", '",', "',", '";', "';", ",", ";"})


def _indent(body: str) -> int:
    return len(body) - len(body.lstrip(" \t-"))


def _line_bounds(text: str, pos: int) -> tuple[int, int]:
    """[start, end) of the line holding ``pos``, without its line break."""
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    end = len(text) if end < 0 else end
    if end > start and text[end - 1] == "\r":
        end -= 1
    return start, end


def _per_line(text: str, a: int, b: int, out: list) -> None:
    """Spans masking each non-blank line of text[a:b] whole (its indentation kept)."""
    while a < b:
        s, e = _line_bounds(text, a)
        e = min(e, b)
        lead = s + len(text[s:e]) - len(text[s:e].lstrip())
        if lead < e:
            out.append((max(lead, a), e))
        nl = text.find("\n", a)
        if nl < 0:
            return
        a = nl + 1


def mask_text(text: str) -> str:
    """Mask secrets in env-style, INI, properties, YAML, JSON, XML or PHP text.

    Lines are kept; only values change, so a person still sees which keys exist. Besides the
    inline forms (``secret_spans``, over the whole text at once), each line holding a secret-word
    hint is tried as ``KEY<sep>VALUE`` (env, INI, properties, YAML; the whole value is masked),
    a YAML block scalar under a secret key (``secret: >-``) masks the more indented lines after
    it, and a PEM private key spread over lines masks each of its lines."""
    if not text:
        return text
    low = ascii_lower(text)
    spans: list = []
    if "://" in text:
        url_credential_spans(text, spans)
    keys: list = []
    keyed_spans(text, spans, low, keys)
    for a, b in shape_spans(text):
        if text.find("\n", a, b) >= 0:
            _per_line(text, a, b, spans)
        else:
            spans.append((a, b))
    if "mysql" in low or "mariadb" in low:
        _mysql_p_spans(text, low, spans)
    pos = 0
    n = len(text)
    for hit, covered in keys:  # the lines where a secret name stands: KEY<sep>VALUE and block scalars
        if hit < pos:
            continue
        start, end = _line_bounds(text, hit)
        pos = end + 1
        if covered >= 0 and text[covered:end].strip(" \t") in _CLOSED:
            continue  # the first secret value on the line runs to its end: KEY<sep>VALUE adds nothing
        body = text[start:end]
        span, block = _assign_span(body)
        if span:
            spans.append((start + span[0], start + span[1]))
        if block is not None:  # the block scalar's lines: more indented than the key
            while pos < n:
                s, e = _line_bounds(text, pos)
                line = text[s:e]
                stripped = line.lstrip(" \t")
                if stripped and len(line) - len(stripped) <= block:
                    break
                if stripped:
                    spans.append((e - len(stripped), e))
                pos = e + 1
    if not spans:
        return text
    return _replace(text, _merge(spans))


#: -pVALUE of a mysql-family client on the same line (unit files, init scripts, shell scripts);
#: the literal comes first (the engine skips to each ``-p`` itself), the lookbehind after it
_MYSQL_P = re.compile(r"-p(?<![\w\-]-p)([^\s'\";|&<>]{1,512}|'[^'\n]{1,512}'|\"[^\"\n]{1,512}\")")
_MYSQL_CLIENT = re.compile(r"(?<![\w\-])(?:mysql|mariadb)[\w\-]{0,12}(?![\w\-])")


def _mysql_p_spans(text: str, low: str, out: list) -> None:
    """Each ``-pVALUE`` (rare) with a mysql-family client word before it on its line."""
    line = (-1, -1, -1)  # start, end of the line last looked at; where its first client word ends
    for m in _MYSQL_P.finditer(text):
        if not line[0] <= m.start() < line[1]:
            start, end = _line_bounds(text, m.start())
            client = _MYSQL_CLIENT.search(low, start, end)
            line = (start, end, client.end() if client else end + 1)
        if line[2] <= m.start():
            out.append(m.span(1))


def _assign_span(body: str) -> tuple[Optional[tuple[int, int]], Optional[int]]:
    """(span of the value to mask in a KEY<sep>VALUE line of a secret key, or None;
    the key's indentation when a YAML block scalar follows, else None)."""
    masked, starts_block = _assign_line(body)
    if starts_block:
        block = len(body) - len(body.lstrip(" \t"))
        if body.lstrip(" \t").startswith("- "):
            block = _indent(body) - 1
        return None, block
    if masked is None or masked == body:
        return None, None
    # _assign_line keeps the prefix and the trail; the value lies between them
    head = masked.index(SECRET_MARKER)
    tail = len(masked) - head - len(SECRET_MARKER)
    return (head, len(body) - tail), None
