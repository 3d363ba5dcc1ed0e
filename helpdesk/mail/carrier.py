"""Japanese mobile carriers' mail: who sent it, and their emoji as standard Unicode emoji.

docomo, au and SoftBank phones put emoji in the Shift_JIS user-defined area (lead bytes
0xF0-0xF9, and 0xFB for SoftBank), au also in ISO-2022-JP rows 0x75-0x7B, and each carrier's
UTF-8 mail uses its own private-use code points. Decoding keeps every such character as the
carrier's private-use code point (never U+FFFD); ``carrier_emoji`` then replaces each one that
has a published standard equivalent with that emoji. Pure, no Django; the tables below
are written from the carriers' published emoji lists (Shift_JIS code, carrier Unicode, picture)
and the Unicode 6.0 mapping of those lists. An emoji missing here stays private-use: nothing
is lost, and a later table can still map it.
"""

from __future__ import annotations

import re

DOCOMO, AU, SOFTBANK = "docomo", "au", "softbank"

# Mail domains of the carriers' phone mail (and of the MVNOs that resell their networks
# under the same mail systems). A subdomain counts as its parent (xx.vodafone.ne.jp).
_DOMAINS = {
    "docomo.ne.jp": DOCOMO,
    "mopera.net": DOCOMO,
    "ezweb.ne.jp": AU,
    "au.com": AU,
    "uqmobile.jp": AU,
    "softbank.ne.jp": SOFTBANK,
    "i.softbank.jp": SOFTBANK,
    "disney.ne.jp": SOFTBANK,
    "vodafone.ne.jp": SOFTBANK,
    "ymobile.ne.jp": SOFTBANK,
}


_SUFFIXES = tuple(_DOMAINS)


def carrier_of(address: str) -> str:
    """``docomo``, ``au``, ``softbank``, or ``""`` for an address that is no carrier's."""
    domain = address.strip().strip("<>").rpartition("@")[2].lower().rstrip(".")
    if not domain.endswith(_SUFFIXES):  # every mail asks; almost none is from a phone
        return ""
    while domain:
        if domain in _DOMAINS:
            return _DOMAINS[domain]
        domain = domain.partition(".")[2]
    return ""


# --- Where the emoji sit in the carriers' encodings ---------------------------------------------
#
# CP932 reads the user-defined area F040-F9FC as U+E000-U+E757 (188 cells a lead byte). docomo's
# own Unicode assignments are exactly those (F89F is U+E63E), and so are au's for F640-F7FC
# (F660 is U+E488); au's later emoji at F340-F493 are U+EA80-U+EB8E in au's Unicode.

_EUDC_BASE = 0xE000


def eudc_code_point(lead: int, trail: int) -> int:
    """CP932's private-use code point for a Shift_JIS user-defined pair."""
    return _EUDC_BASE + (lead - 0xF0) * 188 + trail - 0x40 - (trail > 0x7F)


_AU_EARLY_START = eudc_code_point(0xF3, 0x40)  # F340, au's U+EA80
_AU_EARLY_END = eudc_code_point(0xF4, 0x93)


def au_jis_to_sjis(row: int, cell: int) -> bytes | None:
    """au's ISO-2022-JP emoji rows: 0x75-0x78 carry F640-F7FC, 0x79-0x7B carry F340-F493."""
    if 0x75 <= row <= 0x78:
        row += 0x16
    elif 0x79 <= row <= 0x7B:
        row += 0x0C
    else:
        return None
    lead = ((row + 1) >> 1) + 0xB0
    trail = cell + (0x1F if cell <= 0x5F else 0x20) if row & 1 else cell + 0x7E
    return bytes((lead, trail))


# SoftBank's six emoji pages: Shift_JIS lead byte, first trail byte, first code point, size.
_SOFTBANK_PAGES = (
    (0xF9, 0x41, 0xE001, 90),  # page G
    (0xF7, 0x41, 0xE101, 90),  # page E
    (0xF7, 0xA1, 0xE201, 83),  # page F
    (0xF9, 0xA1, 0xE301, 77),  # page O
    (0xFB, 0x41, 0xE401, 76),  # page P
    (0xFB, 0xA1, 0xE501, 62),  # page Q
)


def _softbank_sjis_table() -> dict[bytes, str]:
    table: dict[bytes, str] = {}
    for lead, first_trail, first_code_point, size in _SOFTBANK_PAGES:
        trail = first_trail
        for index in range(size):
            table[bytes((lead, trail))] = chr(first_code_point + index)
            trail += 2 if trail == 0x7E else 1  # 0x7F is never a trail byte
    return table


_SOFTBANK_SJIS = _softbank_sjis_table()
_SJIS_TOKEN = re.compile(
    rb"[\x81-\x9f\xe0-\xfc][\x40-\x7e\x80-\xfc]|[^\x81-\x9f\xe0-\xfc]+|.", re.S
)


def decode_softbank_sjis(data: bytes) -> str:
    """SoftBank's Shift_JIS: its emoji pages (page P and Q sit on IBM kanji codes in CP932)
    as SoftBank's Unicode, everything else as CP932."""
    out: list[str] = []
    for token in _SJIS_TOKEN.findall(data):
        emoji = _SOFTBANK_SJIS.get(token)
        out.append(emoji if emoji is not None else token.decode("cp932", "replace"))
    return "".join(out)


# --- The pictures: carrier Unicode -> standard emoji -------------------------------------------
# Each run starts at a carrier code point and lists one picture per consecutive code point;
# "-" marks a code point whose picture has no agreed standard equivalent (it stays private-use).

_DOCOMO_RUNS = {
    # F89F-F8FC: weather, zodiac, sports, vehicles, places, things, hands, body.
    0xE63E: "☀ ☁ ☔ ⛄ ⚡ 🌀 🌁 🌂 ♈ ♉ ♊ ♋ ♌ ♍ ♎ ♏ "
    "♐ ♑ ♒ ♓ 🏃 ⚾ ⛳ 🎾 ⚽ 🎿 🏀 🏁 📟 🚃 Ⓜ 🚄 "
    "🚗 🚙 🚌 🚢 ✈ 🏠 🏢 🏣 🏥 🏦 🏧 🏨 🏪 ⛽ 🅿 🚥 "
    "🚻 🍴 ☕ 🍸 🍺 🍔 👠 ✂ 🎤 🎥 ↗ 🎠 🎧 🎨 🎩 🎪 "
    "🎫 🚬 🚭 📷 👜 📖 🎀 🎁 🎂 ☎ 📱 📝 📺 🎮 💿 ♥ "
    "♠ ♦ ♣ 👀 👂 ✊ ✌ ✋ ↘ ↖ 👣 👟 👓 ♿",
    # F940-F949: moon phases, animals, the season.
    0xE69C: "🌑 🌔 🌓 🌙 🌕 🐶 🐱 ⛵ 🎄 ↙",
    # F991-F9AF: hearts, faces and marks.
    0xE6EC: "❤ 💓 💔 💕 😃 😠 😞 😖 😵 ⤴ 🎶 ♨ 💠 💋 ✨ 💡 💢 👊 💣 - ⤵ 💤 ❗ ⁉ ‼ 💥 💦 💧 💨 〰 ➰",
}
_AU_RUNS = {
    0xE469: "🌀",
    0xE471: "😃 😠",
    0xE477: "💔 💕",
    0xE482: "❗ ❓",
    0xE485: "⛄ - ⚡ ☀ - - - ☔ ☁ - ♈ ♉ ♊ ♋ ♌ ♍ ♎ ♏ ♐ ♑ ♒ ♓ ⛎",
    0xE4F9: "👍",
    0xE588: "📱",
    0xE595: "❤ ☎",
    0xE598: "🌁",
    0xEAAB: "✨",
    0xEAC0: "😞",
    0xEAE8: "🌂",
}
_SOFTBANK_RUNS = {
    # Page G.
    0xE001: "👦 👧 💋 👨 👩 👕 👟 📷 ☎ 📱 📠 💻 👊 👍 ☝ ✊ "
    "✌ ✋ 🎿 ⛳ 🎾 ⚾ 🏄 ⚽ 🐟 🐴 🚗 ⛵ ✈ 🚃 🚅 ❓ "
    "❗ ❤ 💔 🕐 🕑 🕒 🕓 🕔 🕕 🕖 🕗 🕘 🕙 🕚 🕛 🌸 "
    "🔱 🌹 🎄 💍 💎 🏠 ⛪ 🏢 🚉 ⛽ 🗻 🎤 🎥 🎵 🔑 🎷 "
    "🎸 🎺 🍴 🍸 ☕ 🍰 🍺 ⛄ ☁ ☀ ☔ 🌙 🌄 👼 🐱 🐯 "
    "🐻 🐶 🐭 🐳 🐧 😊 😃 😞 😠 💩",
    # Page E.
    0xE101: "📪 📮 📧 📲 😜 😍 😱 😓 🐵 🐙 🐷 👽 🚀 👑 💡 🍀 "
    "💏 🎁 🔫 🔍 🏃 🔨 🎆 🍁 🍂 👿 👻 💀 🔥 💼 💺 🍔 "
    "⛲ ⛺ ♨ 🎡 🎫 💿 📀 📻 📼 📺 👾 〽 🀄 🆚 💰 🎯 "
    "🏆 🏁 🎰 🐎 🚤 🚲 🚧 🚹 🚺 🚼 💉 💤 ⚡ 👠 🛀 🚽 "
    "🔊 📢 🎌 🔏 🔓 🌆 🍳 📖 💱 💹 📡 💪 🏦 🚥 🅿 🚏 "
    "🚻 👮 🏣 🏧 🏥 🏪 🏫 🏨 🚌 🚕",
    # Page F.
    0xE201: "🚶 🚢 🈁 💟 ✴ ✳ 🔞 🚭 🔰 ♿ 📶 ♥ ♦ ♠ ♣ #⃣ "
    "➿ 🆕 🆙 🆒 🈶 🈚 🈷 🈸 🔴 - - 1⃣ 2⃣ 3⃣ 4⃣ 5⃣ "
    "6⃣ 7⃣ 8⃣ 9⃣ 0⃣ 🉐 🈹 🈂 🆔 🈵 🈳 🈯 🈺 👆 👇 👈 "
    "👉 ⬆ ⬇ ➡ ⬅ ↗ ↖ ↘ ↙ ▶ ◀ ⏩ ⏪ 🔯 ♈ ♉ "
    "♊ ♋ ♌ ♍ ♎ ♏ ♐ ♑ ♒ ♓ ⛎ 🔝 🆗 © ® 📳 "
    "📴 ⚠ 💁",
    # Page P: faces.
    0xE401: "😥 😏 😔 😁 😉 😣 😖 😪 😝 😌 😨 😷 😳 😒 😰 😲 😭 😂 😢 ☺ 😄 😡 😚 😘",
}


def _table(runs: dict[int, str]) -> dict[int, str]:
    table: dict[int, str] = {}
    for start, pictures in runs.items():
        for offset, picture in enumerate(pictures.split()):
            if picture != "-":
                table[start + offset] = picture
    return table


def _au_table() -> dict[int, str]:
    table = _table(_AU_RUNS)
    # CP932 reads au's F340-F493 as U+E234-U+E342; au's own code points are U+EA80 on.
    for code_point in range(_AU_EARLY_START, _AU_EARLY_END + 1):
        au_code_point = 0xEA80 + code_point - _AU_EARLY_START
        table[code_point] = table.get(au_code_point, chr(au_code_point))
    return table


_EMOJI: dict[str, dict[int, str]] = {
    DOCOMO: _table(_DOCOMO_RUNS),
    AU: _au_table(),
    SOFTBANK: _table(_SOFTBANK_RUNS),
}
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


def carrier_emoji(text: str, carrier: str) -> str:
    """``text`` with the carrier's emoji as standard emoji where one exists; others stay."""
    table = _EMOJI.get(carrier)
    if not table or not _PRIVATE_USE.search(text):
        return text
    return text.translate(table)
