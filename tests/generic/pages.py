"""The small pages the generic-extraction tests build: a story with a site name and a body."""

from __future__ import annotations

import json

URL = "https://www.daily.example/world/2024/05/big-story"
STORY = "".join(
    f"<p>Paragraph {n} of the story is long enough to count as a paragraph, with a full stop.</p>"
    for n in range(4)
)


def page(head: str = "", body: str = "") -> str:
    return (
        f"<!doctype html><html><head><title>Big story | Daily Example</title>"
        f'<meta property="og:site_name" content="Daily Example">{head}</head>'
        f"<body><main><article><h1>Big story</h1><div class='story-body'>{STORY}</div></article>"
        f"</main>{body}</body></html>"
    )


def ld(obj: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(obj)}</script>'
