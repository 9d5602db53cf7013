import json

C = []


def add(kind, *texts):
    for t in texts:
        C.append([kind, t])


add(
    "ascii",
    "",
    "a",
    "Hello world",
    "The minister met counterparts in Nairobi today.",
    "x" * 280,
    "x" * 281,
    "  leading and trailing spaces  ",
    "line\nbreaks\r\nand\ttabs",
)
add(
    "accents",
    "café",
    "Ministère des Affaires étrangères",
    "Åsa Öberg Ünal",
    "e\u0301 combining acute",
    "Việt Nam",
    "ñandú çà",
)
add(
    "punctuation ranges",
    "“quoted” — dash … ellipsis",
    "‘single’ ‐ hyphen",
    "prime ′ ″ ‴ ‵",
    "€100 and ₹200",
    "→ arrow",
    "™ ©",
)
add(
    "cjk",
    "外交部",
    "与东南亚伙伴签署贸易协定",
    "日本語のテキスト",
    "한국어 텍스트",
    "中" * 140,
    "中" * 141,
    "mixed 中文 and English",
)
add("emoji", "🙂", "👍🏽", "👩‍💻", "👨‍👩‍👧‍👦", "🇸🇪", "🇸🇪🇫🇷", "❤️", "🏳️‍🌈", "Climate 🌍 action 🌱", "1️⃣", "🧑🏿‍🤝‍🧑🏻")
add(
    "urls",
    "https://example.org",
    "example.org",
    "www.example.org/path",
    "Read more: https://news.ministry.example/en/stories/climate-finance-pledge/?utm_source=x&utm_medium=social&utm_campaign=climate&utm_content=se#c1a2",
    "two links https://a.example/1 and http://b.example/2",
    "gov.se and un.org",
    "https://example.org/" + "a" * 200,
    "t.co/abc",
)
add("hashtags and mentions", "#ClimateAction #COP", "@embassy hello", "#مناخ")
add(
    "right to left",
    "الوزير يعلن عن تعهد جديد لتمويل المناخ",
    "שלום עולם",
    "مرحبا https://example.org/ar/ #مناخ",
    "فارسی: سلام",
    'ארה"ב',
)
add("cyrillic and greek", "Министерство иностранных дел", "Ελληνικά")
add("other scripts", "हिन्दी", "ภาษาไทย", "ქართული", "አማርኛ", "ᏣᎳᎩ")
add("normalisation", "A\u030a", "\u212b", "ﬁ ligature")
print(json.dumps(C))
