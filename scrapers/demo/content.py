"""The demo site's articles: the seed page, its teaser targets, and generated filler.

Deterministic, so recordings and tests see the same site every run.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

IST = timezone(timedelta(hours=5, minutes=30))
SEED_SLUG = "putin-kim-jong-un-meet-in-beijing"
_DATA = Path(__file__).parent / "data"


@dataclass
class Article:
    slug: str
    headline: str
    published: datetime
    section: str
    authors: list[str] = field(default_factory=list)
    summary: str | None = None
    tags: list[str] = field(default_factory=list)
    image: dict[str, str] | None = None
    # ("p" | "h2" | "promo" | "newsletter", text); promos and newsletters are in-body clutter.
    blocks: list[tuple[str, str]] = field(default_factory=list)
    source_url: str | None = None
    widgets: dict[str, list[str]] = field(default_factory=dict)

    def teaser(self) -> dict[str, Any]:
        first = next((t for k, t in self.blocks if k == "p"), "")
        return {
            "title": self.headline,
            "url": f"/news/{self.slug}",
            "summary": self.summary or _clip(first, 300),
            "published": self.published.isoformat(),
            "image": f"/static/img/{self.slug}.svg",
        }

    def story_json(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "headline": self.headline,
            "summary": self.summary,
            "authors": self.authors,
            "published": self.published.isoformat(),
            "published_label": self.published.strftime("%B %d, %Y, %H:%M IST"),
            "section": self.section,
            "tags": self.tags,
            "image": self.image,
            "blocks": [{"kind": k, "text": t} for k, t in self.blocks],
            "source_url": self.source_url,
            "widgets": list(self.widgets),
        }


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60].rstrip("-")


def _seed() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((_DATA / "seed.json").read_text(encoding="utf-8"))
    return data


_UPDATED = re.compile(r"Last Updated:(\w+ \d\d, \d{4}, \d\d:\d\d) IST")

_SUBJECTS = [
    ("Monsoon rains lift reservoir levels across {city}", "Weather", ["monsoon", "water"]),
    ("{city} metro extension opens two months early", "Cities", ["transport", "infrastructure"]),
    ("Startups in {city} bet on battery recycling", "Business", ["energy", "startups"]),
    ("Heritage walk revives forgotten lanes of {city}", "Culture", ["heritage", "tourism"]),
    ("Hospitals in {city} trial AI triage for emergency wards", "Health", ["health", "technology"]),
    ("{city} schools add coding to the primary syllabus", "Education", ["education", "technology"]),
    ("Farmers near {city} switch to drought-resistant millet", "Agriculture", ["farming", "climate"]),
    ("Record turnout at {city} book fair", "Culture", ["books", "events"]),
    ("{city} airport unveils solar-powered terminal", "Business", ["energy", "aviation"]),
    ("Street-food vendors in {city} go cashless", "Business", ["payments", "food"]),
    ("Air quality in {city} improves after traffic curbs", "Environment", ["pollution", "transport"]),
    ("{city} cricket academy sends three players to national camp", "Sport", ["cricket", "youth"]),
    ("Lake clean-up in {city} brings back migratory birds", "Environment", ["wildlife", "water"]),
    ("New flyover in {city} cuts commute times by a third", "Cities", ["transport", "infrastructure"]),
    ("{city} film festival opens with regional premieres", "Culture", ["film", "events"]),
]
_CITIES = ["Pune", "Chennai", "Jaipur", "Kochi", "Lucknow", "Indore", "Bhopal", "Nagpur", "Mysuru", "Surat"]
_NAMES = ["Asha Rao", "Vikram Mehta", "Leela Nair", "Arjun Sen", "Farah Khan", "Rohan Iyer", "Meera Das"]
_SENTENCES = [
    "Officials said the plan had been in preparation for more than a year.",
    "Residents who spoke to this newspaper welcomed the change but asked for clearer timelines.",
    "The project is funded jointly by the state government and a group of private partners.",
    "Critics argue that the budget leaves little room for maintenance in later years.",
    "A review of the first phase is expected before the end of the financial year.",
    "Independent experts said the early figures were encouraging but should be read with care.",
    "Local businesses reported a noticeable rise in footfall over the past month.",
    "The municipal corporation has promised to publish monthly progress reports.",
]


def _paragraph(n: int) -> str:
    return " ".join(_SENTENCES[(n + k) % len(_SENTENCES)] for k in range(3))


def build_articles(generated: int = 15) -> list[Article]:
    """The seed article, the eight articles its teasers point to, and `generated` more."""
    seed = _seed()
    base = datetime(2025, 9, 3, 14, 20, tzinfo=IST)
    teaser_arts: list[Article] = []
    for t in seed["topics"]:
        m = _UPDATED.search(t["summary"])
        when = datetime.strptime(m.group(1), "%B %d, %Y, %H:%M").replace(tzinfo=IST) if m else base
        teaser_arts.append(
            Article(
                slug=slugify(t["title"]),
                headline=t["title"],
                published=when,
                section="Trending",
                authors=["Staff Reporter"],
                blocks=[("p", t["summary"])],
            )
        )
    gen: list[Article] = []
    seen = {slugify(t["title"]) for t in seed["topics"]} | {SEED_SLUG}
    for i in range(generated):
        title, section, tags = _SUBJECTS[i % len(_SUBJECTS)]
        city = _CITIES[(i * 3) % len(_CITIES)]
        headline = title.format(city=city) + (
            f" (part {i // len(_SUBJECTS) + 1})" if i >= len(_SUBJECTS) else ""
        )
        blocks: list[tuple[str, str]] = [("p", _paragraph(i)), ("p", _paragraph(i + 1))]
        blocks.append(("promo", "Read more: " + teaser_arts[i % len(teaser_arts)].headline))
        blocks += [("h2", "What happens next"), ("p", _paragraph(i + 2)), ("p", _paragraph(i + 3))]
        blocks.append(("newsletter", "Get the morning briefing in your inbox. Sign up now."))
        blocks += [("h2", "What people say"), ("p", _paragraph(i + 4))]
        slug = slugify(headline)
        if slug in seen:  # long headlines are cut, and with them the "(part N)"
            slug = f"{slug[:50].rstrip('-')}-{i}"
        seen.add(slug)
        gen.append(
            Article(
                slug=slug,
                headline=headline,
                published=base - timedelta(hours=7 * (i + 1), minutes=13 * i),
                section=section,
                authors=[_NAMES[i % len(_NAMES)], *([_NAMES[(i + 3) % len(_NAMES)]] if i % 3 == 0 else [])],
                summary=f"A short look at how {city} is changing, and what it means for residents.",
                tags=[*tags, city.lower()],
                image={
                    "src": f"/static/img/gen-{i}.svg",
                    "caption": f"A view of {city}",
                    "credit": "Demo News",
                },
                blocks=blocks,
            )
        )
    main = Article(
        slug=SEED_SLUG,
        headline=seed["headline"],
        published=base,
        section="World",
        image={"src": "/static/img/putin-kim.svg", "caption": seed["caption"], "credit": "PTI"},
        blocks=[("p", p) for p in seed["paragraphs"]],
        source_url="https://news.example.com/world/putin-kim-beijing-talks",
    )
    by_slug = {a.slug: a for a in [main, *teaser_arts, *gen]}
    teaser_slugs = [a.slug for a in teaser_arts]
    main.widgets = {
        "hot_this_week": teaser_slugs[:5],
        "topics": teaser_slugs,
        "related_articles": [a.slug for a in gen[:4]],
    }
    everything = [main, *teaser_arts, *gen]
    for n, art in enumerate(everything[1:], start=1):
        others = [a.slug for a in everything if a.slug != art.slug]
        same = [a.slug for a in gen if a.section == art.section and a.slug != art.slug]
        art.widgets = {
            "hot_this_week": others[n % 5 : n % 5 + 5],
            "topics": others[-8:],
            "related_articles": (same + others)[:4],
        }
    assert len(by_slug) == len(everything), "slugs must be unique"
    return everything
