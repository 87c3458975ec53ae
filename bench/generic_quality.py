"""How good is extraction without a site file? Generic extraction and `suggest`, side by side.

    python bench/generic_quality.py [--only aeb,fundus,wcxb,suggest]

1. article-bench dev (../shared/data/article-bench/dev): body F1 of Storyline's generic
   extractor and of trafilatura alone, in the same run, scored by ../shared/tools/aeb_score.py.
2. fundus (../shared/data/fundus): the same two on the expected bodies (same shingle metric),
   plus generic headline, authors and publication-instant accuracy, and the widgets found:
   how many per page, and how many of them sit in page furniture (see `widget_places`).
3. wcxb dev (../shared/data/wcxb/dev, 700 pages of 600 sites): authors and publication day
   against its reviewed `author` and `publish_date`, the same widget counts. Its body measure
   is not repeated here.
4. suggest on fundus-eval dev (../shared/data/fundus-eval/dev): for every publisher, a site
   file drafted from article 0 extracts article 1 unedited; ROUGE-LSum F1 per that folder's
   README (../shared/tools/rouge_score_eval.py; needs rouge-score, nltk and the Punkt model,
   which `make bench` installs).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import trafilatura
from common import ROOT, machine

from scrapers.config.sitefiles import generic_site, parse_site_text
from scrapers.dom import jsonld
from scrapers.dom.parse import HeadIndex, parse_html
from scrapers.dom.values import clean, join_url
from scrapers.extract.recipe import extract
from scrapers.generic.headline import better_headline
from scrapers.generic.suggest import draft_site

SHARED = ROOT.parent / "shared"
AEB = SHARED / "data" / "article-bench" / "dev"
FUNDUS = SHARED / "data" / "fundus"
FEVAL = SHARED / "data" / "fundus-eval" / "dev"
WCXB = SHARED / "data" / "wcxb" / "dev"
NLTK_DATA = ROOT / ".venv" / "nltk_data"


def body_text(html: str, url: str) -> tuple[str, Any]:
    """Generic extraction's body (sub-headings and paragraphs), and the whole extraction."""
    ex = extract(html, url, generic_site())
    parts = [p for s in ex.story.body for p in ([s.heading] if s.heading else []) + s.paragraphs]
    return "\n\n".join(parts), ex


def headline_sources(html: str, url: str) -> tuple[str | None, str | None]:
    """The page's JSON-LD headline and og:title, each cleaned as generic extraction cleans its pick."""
    doc = parse_html(html)
    head = HeadIndex.build(doc.root)
    index = jsonld.Index(jsonld.parse_blocks(head.jsonld))
    names = [n for n in head.metas.get("og:site_name", []) if n]
    names += jsonld.lookup(index, "*Article|BlogPosting|Report.publisher.name")
    host = urlsplit(url).hostname or ""
    ld = next(iter(jsonld.lookup(index, "*Article|BlogPosting|Report.headline")), None)
    og = next(iter(head.metas.get("og:title", [])), None)
    return (
        better_headline(ld, names, host, head.title),
        better_headline(og, names, host, head.title),
    )


def typography(text: str) -> str:
    """Quotes, dashes, soft hyphens and spaces as typed: ’ and ' are the same headline."""
    text = re.sub(r"[\u00ad\u200b]", "", text)
    text = re.sub(r"[‘’‚′´`]", "'", re.sub(r"[“”„«»″]", '"', re.sub(r"[–—−]", "-", text)))
    return clean(text)


def same_instant(expected: str, got: str | None) -> bool:
    """To the second. A reference without an offset (its parser found none) is a wall-clock
    time: then ours must show the same wall-clock time in its own offset."""
    if not got:
        return False
    want = datetime.fromisoformat(expected).replace(microsecond=0)
    have = datetime.fromisoformat(got).replace(microsecond=0)
    if want.tzinfo is None:
        return have.replace(tzinfo=None) == want
    return have == want


def same_authors(expected: list[str], got: list[str]) -> tuple[bool, bool]:
    """(exactly the reference's list, the same names in any order and case)."""
    exact = [clean(a) for a in expected] == got
    return exact, {clean(a).casefold() for a in expected} == {g.casefold() for g in got}


_NAME_JOINS = {"and", "und", "y", "et", "e", "by", "von", "de"}


def author_words(text: str) -> set[str]:
    """A byline's words without joiners: "A. Smith and B. Jones" and ["A. Smith", "B. Jones"] agree."""
    return {w for w in re.findall(r"\w+", text.casefold()) if w not in _NAME_JOINS}


def names_the_site(author: str, url: str) -> bool:
    """A publisher in the author list: the host's name ("dw" of www.dw.com) is all of one of its
    words, or the author spells the host out ("Deutsche Welle (www.dw.com)")."""
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    words = author_words(author)
    label = host.split(".")[0]
    return bool(host) and (host in author.lower() or (len(label) >= 2 and label in words and len(words) <= 3))


# Landmarks that hold site navigation, never a story's widget: by tag, or by ARIA role. A
# <header> or <footer> inside an article, aside, main or section is that part's own (HTML maps
# only the page's to the banner and contentinfo roles): a teaser's <header> holds its link.
_FURNITURE_ROLES = frozenset({"navigation", "banner", "contentinfo", "menu", "menubar"})
_SECTIONING = frozenset({"article", "aside", "main", "section"})
_NAMED_MENU = re.compile(r"(^|[\s_-])(nav|navigation|navbar|menu|megamenu)($|[\s_A-Z-])|(^|[\s_-])nav[A-Z]")


def widget_places(html: str, url: str, widgets: list[Any]) -> tuple[int, int, int]:
    """How many `widgets` sit in page furniture: (inside a nav, the page's header or footer, or a
    navigation, banner or contentinfo role; inside an element whose id or class names
    navigation or a menu; inside any header or footer element, a section's own too).
    A widget's place is where most of its item links are; a link that is also elsewhere on the
    page (a menu often repeats a teaser's URL) counts as elsewhere."""
    root = parse_html(html).root
    where: dict[str, list[Any]] = {}
    for a in root.iter("a"):
        if (u := join_url(url, (a.get("href") or "").strip())) is not None:
            where.setdefault(u, []).append(a)
    counts = [0, 0, 0]
    for w in widgets:
        links = [where[i.url] for i in w.items if i.url in where]
        for n, test in enumerate((_is_landmark, _named_menu, _is_header_or_footer)):
            inside = sum(all(_inside(a, test) for a in same) for same in links)
            counts[n] += bool(links) and inside * 2 > len(links)
    return counts[0], counts[1], counts[2]


def _inside(a: Any, test: Any) -> bool:
    return any(test(e) for e in (a, *a.iterancestors()))


def _named_menu(el: Any) -> bool:
    return bool(_NAMED_MENU.search(f"{el.get('id', '')} {el.get('class', '')}"))


def _is_landmark(el: Any) -> bool:
    if el.tag in ("header", "footer"):
        return not any(a.tag in _SECTIONING for a in el.iterancestors())
    return el.tag == "nav" or (el.get("role") or "").strip().lower() in _FURNITURE_ROLES


def _is_header_or_footer(el: Any) -> bool:
    return el.tag in ("header", "footer")


def print_widgets(pages: int, per_page: list[int], landmark: int, named: int, any_header: int) -> None:
    total = sum(per_page)
    print(
        f"  widgets: {total} on {pages} pages ({total / pages:.2f} a page, pages with none:"
        f" {per_page.count(0)}, most on one page: {max(per_page, default=0)})"
    )
    print(f"  ... inside nav, the page's header/footer, a navigation/banner/contentinfo role: {landmark}")
    print(f"  ... inside an element whose id or class names navigation or a menu: {named}")
    print(f"  ... inside any header/footer element (an article's or section's own too): {any_header}")


def score_aeb(gt_dirs: list[Path], preds: dict[str, str], tmp: Path) -> dict[str, float]:
    path = tmp / "preds.ndjson"
    path.write_text("".join(json.dumps({"id": k, "articleBody": v}) + "\n" for k, v in preds.items()))
    out = subprocess.run(
        [sys.executable, str(SHARED / "tools" / "aeb_score.py"), *map(str, gt_dirs), str(path), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(out.stdout)
    return {k: float(data[k]) for k in ("f1", "precision", "recall")}


def article_bench(tmp: Path) -> None:
    ours, theirs = {}, {}
    for h in sorted(AEB.glob("*.html")):
        html, url = h.read_text(encoding="utf-8"), json.loads(h.with_suffix(".json").read_text())["url"]
        ours[h.stem] = body_text(html, url)[0]
        theirs[h.stem] = trafilatura.extract(html, url=url) or ""
    a, b = score_aeb([AEB], ours, tmp), score_aeb([AEB], theirs, tmp)
    print(f"\narticle-bench dev ({len(ours)} pages), body, aeb_score.py")
    print(f"  {'extractor':24} {'F1':>7} {'precision':>10} {'recall':>8}")
    for name, s in (("storyline generic", a), ("trafilatura alone", b)):
        print(f"  {name:24} {s['f1']:>7.4f} {s['precision']:>10.4f} {s['recall']:>8.4f}")


def fundus(tmp: Path) -> None:
    gt = tmp / "fundus-gt"
    gt.mkdir()
    ours, theirs = {}, {}
    heads = heads_typo = dates = dated = titled = 0
    authored = authors_exact = authors_same = site_authors = 0
    people_only = people_exact = 0  # references naming no site or publisher among the authors
    per_page: list[int] = []
    landmark = named = any_header = 0
    follows: Counter[str] = Counter()
    pages = sorted(FUNDUS.glob("*/*.expected.json"))
    for jf in pages:
        data = json.loads(jf.read_text(encoding="utf-8"))
        exp, url = data["expected"], data["url"]
        html = jf.with_name(jf.name.replace(".expected.json", ".html")).read_text(encoding="utf-8")
        text, ex = body_text(html, url)
        key = jf.name.removesuffix(".expected.json")
        if "title" in exp:
            titled += 1
            heads += clean(ex.story.headline or "") == clean(exp["title"])
            heads_typo += typography(ex.story.headline or "") == typography(exp["title"])
            ld, og = headline_sources(html, url)
            if ld and og and typography(ld) != typography(og):
                follows[
                    "og"
                    if typography(og) == typography(exp["title"])
                    else "ld"
                    if typography(ld) == typography(exp["title"])
                    else "neither"
                ] += 1
        if exp.get("publishing_date"):
            dated += 1
            dates += same_instant(exp["publishing_date"], ex.story.published)
        if "authors" in exp:
            authored += 1
            exact, same = same_authors(exp["authors"], ex.story.authors)
            authors_exact += exact
            authors_same += same
            if not any(names_the_site(a, url) for a in exp["authors"]):
                people_only += 1
                people_exact += exact
        site_authors += any(names_the_site(a, url) for a in ex.story.authors)
        per_page.append(len(ex.widgets))
        in_landmark, in_named, in_header = widget_places(html, url, ex.widgets)
        landmark += in_landmark
        named += in_named
        any_header += in_header
        body = exp.get("body")
        if body:
            paras = list(body.get("summary", []))
            for sec in body.get("sections", []):
                paras += sec.get("headline", []) + sec.get("paragraphs", [])
            (gt / f"{key}.json").write_text(json.dumps({"articleBody": "\n\n".join(paras), "url": url}))
            ours[key] = text
            theirs[key] = trafilatura.extract(html, url=url) or ""
    a, b = score_aeb([gt], ours, tmp), score_aeb([gt], theirs, tmp)
    print(f"\nfundus ({len(pages)} pages, {len(ours)} with a body), body, same metric")
    print(f"  {'extractor':24} {'F1':>7} {'precision':>10} {'recall':>8}")
    for name, s in (("storyline generic", a), ("trafilatura alone", b)):
        print(f"  {name:24} {s['f1']:>7.4f} {s['precision']:>10.4f} {s['recall']:>8.4f}")
    print(f"  generic headline exact:           {heads}/{titled} = {heads / titled:.1%}")
    print(f"  ... same up to typography:        {heads_typo}/{titled} = {heads_typo / titled:.1%}")
    print(f"  generic publication instant exact: {dates}/{dated} = {dates / dated:.1%}")
    print(f"  generic authors exact:            {authors_exact}/{authored} = {authors_exact / authored:.1%}")
    print(f"  ... same names, any order or case: {authors_same}/{authored} = {authors_same / authored:.1%}")
    print(f"  ... exact where the reference names no site or publisher: {people_exact}/{people_only}")
    print(f"  pages with the site or publisher among the authors: {site_authors}")
    print_widgets(len(pages), per_page, landmark, named, any_header)
    print(
        f"  pages whose JSON-LD headline and og:title differ (both cleaned): {sum(follows.values())};"
        f" the reference took og:title on {follows['og']}, JSON-LD on {follows['ld']},"
        f" neither on {follows['neither']}"
    )


def wcxb() -> None:
    """Authors and publication day on wcxb's pages, whose reference names one byline string."""
    authored = authors_same = no_author = extra_author = site_authors = dated = days = undated_given = 0
    per_page: list[int] = []
    landmark = named = any_header = 0
    pages = sorted(WCXB.glob("*.json"))
    for jf in pages:
        data = json.loads(jf.read_text(encoding="utf-8"))
        url = data["url"]
        html = gzip.decompress(jf.with_suffix(".html.gz").read_bytes()).decode("utf-8", "replace")
        ex = extract(html, url, generic_site())
        got = ex.story.authors
        site_authors += any(names_the_site(a, url) for a in got)
        if data.get("author"):
            authored += 1
            authors_same += bool(got) and author_words(" ".join(got)) == author_words(data["author"])
            no_author += not got
        else:
            extra_author += bool(got)
        if data.get("publish_date"):
            dated += 1
            days += (ex.story.published or "")[:10] == str(data["publish_date"])[:10]
        else:
            undated_given += bool(ex.story.published)
        per_page.append(len(ex.widgets))
        in_landmark, in_named, in_header = widget_places(html, url, ex.widgets)
        landmark += in_landmark
        named += in_named
        any_header += in_header
    print(f"\nwcxb dev ({len(pages)} pages), generic metadata")
    share = authors_same / authored
    print(f"  authors, same words as the reference: {authors_same}/{authored} = {share:.1%}")
    print(f"  ... none found where the reference names one: {no_author}")
    print(f"  ... some found where the reference names none: {extra_author} of {len(pages) - authored}")
    print(f"  pages with the site or publisher among the authors: {site_authors}")
    print(f"  publication day exact: {days}/{dated} = {days / dated:.1%}")
    print(f"  ... a date found where the reference has none: {undated_given} of {len(pages) - dated}")
    print_widgets(len(pages), per_page, landmark, named, any_header)


def suggest(tmp: Path) -> None:
    preds = []
    rows = []
    for pub_dir in sorted(p for p in FEVAL.iterdir() if p.is_dir()):
        pub = pub_dir.name
        first = (pub_dir / "0.html").read_text(encoding="utf-8")
        url0 = json.loads((pub_dir / "0.json").read_text())["url"]
        name = pub.lower()
        yaml_text = draft_site(first, url0, name)
        (tmp / f"{name}.yaml").write_text(yaml_text)
        site = parse_site_text(yaml_text, f"{name}.yaml")  # the draft passes `storyline check`
        second = (pub_dir / "1.html").read_text(encoding="utf-8")
        url1 = json.loads((pub_dir / "1.json").read_text())["url"]
        ex = extract(second, url1, site)
        paras = [p for s in ex.story.body for p in ([s.heading] if s.heading else []) + s.paragraphs]
        preds.append({"publisher": pub, "id": "1", "paragraphs": paras})
        rows.append(pub)
    path = tmp / "suggest.ndjson"
    path.write_text("".join(json.dumps(p) + "\n" for p in preds))
    out_json = tmp / "rouge.json"
    cmd = [sys.executable, str(SHARED / "tools" / "rouge_score_eval.py"), str(FEVAL), str(path)]
    cmd += ["--nltk-data", str(NLTK_DATA), "--json", str(out_json), "--missing-as-empty"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"\nsuggest: the ROUGE scorer failed: {proc.stderr.strip()[-400:]}")
        return
    data = json.loads(out_json.read_text())
    per = {(a["publisher"], str(a["id"])): a for a in data["articles"]} if "articles" in data else {}
    print("\nsuggest on fundus-eval dev: draft from article 0, extract article 1 with it unedited")
    print(f"  {'publisher':18} {'ROUGE-LSum F1':>14}")
    good = 0
    for pub in rows:
        art = per.get((pub, "1"))
        f1 = float(art["f1"]) if art else float("nan")
        f1 = f1 * 100 if f1 <= 1 else f1
        good += f1 >= 90
        print(f"  {pub:18} {f1:>14.2f}")
    print(f"  publishers with F1 >= 90: {good} of {len(rows)}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="aeb,fundus,wcxb,suggest")
    args = ap.parse_args()
    parts = set(args.only.split(","))
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        if "aeb" in parts:
            article_bench(tmp)
        if "fundus" in parts:
            fundus(tmp)
        if "wcxb" in parts:
            wcxb()
        if "suggest" in parts:
            suggest(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
