"""What a widget block's heading and class names say it is, in the site-library vocabulary.

A heading ("Lesen Sie auch", "Les plus lus", "関連キーワード") names a category of
docs/site-library.md; the words are ordered: the first category whose words occur decides ("Related
topics" is topics, not related_articles). Written from the vocabulary's meaning in the languages the
development pages are in and their neighbours, not from any one page.
"""

from __future__ import annotations

import functools
import re

VOCABULARY = (
    "related_articles", "most_read", "latest_news", "more_from_section", "topics",
    "editors_picks", "newsletter", "video", "podcast", "other",
)  # fmt: skip

_HEADING_WORDS: tuple[tuple[str, str], ...] = (
    (
        "topics",
        r"\btopics?\b|\btags?\b|keywords?|themen\b|schlagw|stichw|mots?[- ]cl|\bsujets\b|\btemas\b|etiquetas"
        r"|argomenti|onderwerpen|\bemner\b|ämnen|tematy|témata|etiketler|теги|темы|キーワード|タグ|키워드"
        r"|태그|标签|关键词|in this (story|article)|explore more",
    ),
    (
        "newsletter",
        r"newsletter|subscri|sign ?up|\binbox\b|abonn|nieuwsbrief|boletín|iscriviti"
        r"|メルマガ|ニュースレター|뉴스레터",
    ),
    ("podcast", r"podcast|\blisten\b|\baudio\b|hören"),
    ("video", r"\bvideos?\b|\bwatch\b|vídeos?|mediathek|動画|영상|视频"),
    (
        "most_read",
        r"\bhot\b|most[- ](read|viewed|popular|shared|commented|watched"
        r"|clicked)|\bpopular|trending|meistgel|meist gel"
        r"|meistgeklickt|meistgesehen|beliebt|\btop ?\d+\b|ranking|ランキング|많이 본|인기|热门|排行|più lett"
        r"|più vist|plus lus|populaires?|más leíd|lo más|mais lid|meest gelezen|populair|mest lest|mest läst"
        r"|mest læst|najczęściej|en çok|самое читаемое|popularne|人気",
    ),
    (
        "more_from_section",
        r"more (from|in|by)\b|more .{0,20}(stories|articles|news) (from"
        r"|in|by)|mehr (aus|von)\b|weitere .{0,20}"
        r"\baus\b|aus dem ressort|autres articles|plus d.articles|más de\b|altri articoli|meer uit|mer fra"
        r"|from the author|also in\b|の記事|の新着",
    ),
    (
        "latest_news",
        r"latest|newest|\brecent|just in|breaking|neueste|aktuell|news ?feed|ticker|dernières|dernier"
        r"|últimas|ultime|recentes|laatste|senaste|siste nytt|najnowsze|son dakika|son haber|последние"
        r"|新着|最新|速報|최신",
    ),
    (
        "editors_picks",
        r"editor|top stor|featured|highlights?|must[- ]read|don.t miss"
        r"|nicht verpassen|redaktion|à ne pas manquer"
        r"|sélection|selección|da non perdere|in evidenza|注目|picks?\b|top news|spotlight",
    ),
    (
        "related_articles",
        r"related|read (more|next|also)|also read|you (may|might)|recommend|more like this|see also|further"
        r"|keep reading|more on\b|lesen sie|auch interessant|könnte sie|zum thema|weiterlesen|ähnlich|passend"
        r"|lire aussi|à lire|même sujet|voir aussi|vous aimerez|leer más|lea también|te puede|relacionad"
        r"|leggi anche|potrebbe interessar|correlat|leia também|veja também|lees ook|lees meer|gerelateerd"
        r"|les også|läs också|les mer|czytaj|ilgili|ayrıca|читайте также"
        r"|関連|あわせて|관련|相关|推荐|おすすめ",
    ),
)
_HEADING_RES = tuple((cat, re.compile(words, re.I)) for cat, words in _HEADING_WORDS)

# Words of class and id names that say what a block is (split at case changes by the caller).
_CLASS_WORDS: tuple[tuple[str, str], ...] = (
    ("related", r"related|recommend|read-?more|read-?next|more-?stories|further|similar|also"),
    ("popular", r"popular|most|trending|ranking|top-?\d|hot"),
    ("tags", r"tags?|topics?|keywords?|themen|subjects?"),
    ("latest", r"latest|recent|newest|ticker|feed|river"),
    ("teaser", r"teaser|card|tile|item|list|module|widget|box|collection|grid|carousel|slider"),
    ("sidebar", r"sidebar|rail|aside|column|col"),
    ("newsletter", r"newsletter|subscri|signup|sign-up"),
    ("social", r"social|share|sharing|follow"),
    ("footer", r"footer|bottom|copyright|legal"),
    ("menu", r"menu|nav|navbar|navigation|breadcrumb|header|masthead|skip"),
    ("ad", r"ad|ads|advert|sponsor|promo|partner|outbrain|taboola|commercial|affiliate"),
    ("comment", r"comment|discussion|disqus"),
    ("author", r"author|byline|bio|profile"),
    ("hidden", r"hidden|sr-only|visually-?hidden|screen-?reader|offscreen|d-none|is-hidden|hide"),
)
CLASS_FLAGS = tuple(name for name, _ in _CLASS_WORDS)
_CLASS_RES = tuple(re.compile(rf"(^|[\s_-])({words})($|[\s_\d-])", re.I) for _, words in _CLASS_WORDS)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
# Headings of site chrome rather than content blocks ("Menu", "Follow us", "About us", "Contact").
_CHROME_HEADING = re.compile(
    r"\bmenu\b|follow us|about us|contact|impressum|kontakt|services?\b|rubriken|ressorts|sections?\b"
    r"|folgen sie|suivez|síguenos|seguici|social|legal|privacy|datenschutz|copyright|sitemap|navigation",
    re.I,
)


@functools.lru_cache(maxsize=2048)
def heading_category(text: str) -> str | None:
    """The vocabulary category a block's heading names, if any."""
    for cat, rx in _HEADING_RES:
        if rx.search(text):
            return cat
    return None


@functools.lru_cache(maxsize=2048)
def chrome_heading(text: str) -> bool:
    return bool(_CHROME_HEADING.search(text))


@functools.lru_cache(maxsize=4096)
def class_flags(names: str) -> tuple[float, ...]:
    """One 0/1 per CLASS_FLAGS: whether a word of that kind is in the class and id names."""
    split = _CAMEL.sub(" ", names[:512])
    return tuple(1.0 if rx.search(split) else 0.0 for rx in _CLASS_RES)
