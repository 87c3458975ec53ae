"""Local consent walls shaped like the common managers' (ids, classes, data attributes from their
public documentation and the markup their banners leave on pages; no third-party code).

Every page is an app whose story appears only once consent is given, behind a full-window wall;
the banner's buttons are localised.
"""

from __future__ import annotations

from collections.abc import Callable

HEADLINE = "Harbour wall to be rebuilt before winter"
PARAS = [
    "The council voted on Tuesday to rebuild the old harbour wall, which storms breached twice last year.",
    "Work starts in March and should end before the autumn storms, the harbour master said at the meeting.",
    "Fishermen welcomed the decision but asked that the slipway stay open while the wall is rebuilt.",
]
BANNER_TEXT = "We and our 812 partners store and access information on your device"

# accept all, reject / continue without, settings, the banner's own words
LABELS: dict[str, tuple[str, str, str, str]] = {
    "en": ("Accept all", "Continue without accepting", "Settings", "We use cookies. " + BANNER_TEXT),
    "de": ("Alle akzeptieren", "Ablehnen", "Einstellungen", "Wir verwenden Cookies und Ihre Einwilligung."),
    "fr": (
        "Tout accepter",
        "Continuer sans accepter",
        "Paramétrer",
        "Nous et nos partenaires: cookies, consentement.",
    ),
    "es": ("Aceptar todo", "Rechazar todo", "Configurar", "Usamos cookies con su consentimiento."),
    "it": ("Accetta tutto", "Rifiuta", "Impostazioni", "Usiamo i cookie con il tuo consenso."),
    "nl": ("Alles accepteren", "Weigeren", "Instellingen", "Wij gebruiken cookies met uw toestemming."),
    "pt": ("Aceitar tudo", "Rejeitar", "Configurações", "Usamos cookies com o seu consentimento."),
    "pl": ("Akceptuję", "Odrzuć", "Ustawienia", "Używamy plików cookie, prosimy o zgodę."),
    "sv": ("Acceptera alla", "Avvisa alla", "Inställningar", "Vi använder cookies med ditt samtycke."),
    "da": ("Tillad alle", "Afvis alle", "Indstillinger", "Vi bruger cookies med dit samtykke."),
    "no": ("Godta alle", "Avvis alle", "Innstillinger", "Vi bruker cookies med ditt samtykke."),
    "fi": ("Hyväksy kaikki", "Hylkää kaikki", "Asetukset", "Käytämme evästeet suostumuksellasi."),
    "ja": ("すべて同意する", "同意しない", "設定", "当サイトはクッキーを使用します。同意をお願いします。"),
}

WALL = "position:fixed;inset:0;z-index:1000;background:rgba(0,0,0,.6)"
BOX = "position:fixed;left:0;right:0;bottom:0;top:30%;z-index:1001;background:#fff;padding:20px"

# The app: the story is rendered only once `window.consentGiven()` runs (each manager calls it).
APP = """<script>
window.consentGiven = () => {
  window.consented = true;
  document.querySelectorAll('[data-wall]').forEach((e) => e.remove());
  document.documentElement.style.overflow = '';
  const app = document.getElementById('app');
  app.innerHTML = '<article><h1>HEADLINE</h1>PARAS</article>';
};
</script>"""


def _page(banner: str, head: str = "", lang: str = "en") -> str:
    story = "".join(f"<p>{p}</p>" for p in PARAS)
    app = APP.replace("HEADLINE", HEADLINE).replace("PARAS", story)
    return (
        f"<!doctype html><html lang='{lang}' style='overflow:hidden'><head><title>{HEADLINE}</title>"
        f"<meta property='og:title' content='{HEADLINE}'>{head}{app}</head><body>"
        f"<main id='app'><p>Loading…</p></main>{banner}</body></html>"
    )


def _buttons(lang: str, accept: str, reject: str, settings: str) -> str:
    a, r, s, _ = LABELS[lang]
    return (
        f"<button {reject} onclick='this.closest(\"[data-wall]\").dataset.rejected=1'>{r}</button>"
        f"<button {settings}>{s}</button><button {accept} onclick='consentGiven()'>{a}</button>"
    )


# Managers whose banner is markup and three buttons: (markup with {wall} {box} {words} {buttons},
# accept's, reject's and settings' attributes).
SHAPES: dict[str, tuple[str, str, str, str]] = {
    "OneTrust": (
        "<div id='onetrust-consent-sdk' data-wall><div class='onetrust-pc-dark-filter' style='{wall}'></div>"
        "<div id='onetrust-banner-sdk' role='region' aria-label='Cookie banner' style='{box}'>"
        "<div id='onetrust-policy-text'>{words}</div>"
        "<div id='onetrust-button-group'>{buttons}</div></div></div>",
        "id='onetrust-accept-btn-handler'",
        "id='onetrust-reject-all-handler'",
        "id='onetrust-pc-btn-handler'",
    ),
    "Didomi": (
        "<div id='didomi-host' data-wall><div class='didomi-popup-backdrop' style='{wall}'>"
        "<div id='didomi-popup' class='didomi-popup-container' style='{box}'>"
        "<div class='didomi-popup-notice'>"
        "<p class='didomi-popup-notice-text'>{words}</p>{buttons}</div></div></div></div>",
        "id='didomi-notice-agree-button'",
        "id='didomi-notice-disagree-button'",
        "id='didomi-notice-learn-more-button'",
    ),
    "Cookiebot": (
        "<div id='CybotCookiebotDialog' data-wall role='dialog' style='{box}'>"
        "<div id='CybotCookiebotDialogBodyText'>{words}</div>{buttons}</div>"
        "<div id='CybotCookiebotDialogBodyUnderlay' data-wall style='{wall}'></div>",
        "id='CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll'",
        "id='CybotCookiebotDialogBodyButtonDecline'",
        "id='CybotCookiebotDialogBodyLevelButtonCustomize'",
    ),
    "TrustArc": (
        "<div id='truste-consent-track' data-wall style='{box}'><div id='truste-consent-content'>"
        "<span id='truste-consent-text'>{words}</span>"
        "<div id='truste-consent-buttons'>{buttons}</div></div></div>"
        "<div class='truste_overlay' data-wall style='{wall}'></div>",
        "id='truste-consent-button'",
        "id='truste-consent-required'",
        "id='truste-show-consent'",
    ),
    "Complianz": (
        "<div id='cmplz-cookiebanner-container' data-wall>"
        "<div class='cmplz-cookiebanner cmplz-show' style='{box}'>"
        "<div class='cmplz-message'>{words}</div><div class='cmplz-buttons'>{buttons}</div></div>"
        "<div class='cmplz-soft-cookiewall' style='{wall}'></div></div>",
        "class='cmplz-btn cmplz-accept'",
        "class='cmplz-btn cmplz-deny'",
        "class='cmplz-btn cmplz-view-preferences'",
    ),
    "Quantcast Choice": (
        "<div id='qc-cmp2-container' data-wall><div class='qc-cmp2-overlay' style='{wall}'></div>"
        "<div id='qc-cmp2-ui' role='dialog' style='{box}'><p>{words}</p>"
        "<div class='qc-cmp2-summary-buttons'>{buttons}</div></div></div>",
        "mode='primary'",
        "mode='secondary'",
        "mode='secondary'",
    ),
    "Borlabs": (
        "<div id='BorlabsCookieBox' data-wall><div class='_brlbs-bar-wrap' style='{wall}'>"
        "<div class='_brlbs-bar' style='{box}'><p>{words}</p>{buttons}</div></div></div>",
        "class='brlbs-btn-accept-all' data-cookie-accept-all",
        "class='_brlbs-refuse-btn' data-cookie-refuse",
        "data-cookie-individual",
    ),
    "CookieYes": (
        "<div class='cky-overlay' data-wall style='{wall}'></div><div class='cky-consent-container' data-wall"
        " style='{box}'><div class='cky-consent-bar'><p class='cky-notice-des'>{words}</p>"
        "<div class='cky-notice-btn-wrapper'>{buttons}</div></div></div>",
        "class='cky-btn cky-btn-accept' data-cky-tag='accept-button'",
        "class='cky-btn cky-btn-reject' data-cky-tag='reject-button'",
        "class='cky-btn cky-btn-customize' data-cky-tag='settings-button'",
    ),
}


def shaped(name: str, head: str = "") -> Callable[[str], str]:
    """The page of a manager in SHAPES, in a language."""

    def page(lang: str) -> str:
        markup, accept, reject, settings = SHAPES[name]
        buttons = _buttons(lang, accept, reject, settings)
        banner = markup.format(wall=WALL, box=BOX, words=LABELS[lang][3], buttons=buttons)
        return _page(banner, head=head, lang=lang)

    return page


def usercentrics(lang: str) -> str:
    """The banner in an open shadow root of #usercentrics-root; no UC_UI API (the buttons only)."""
    ids = (
        "data-testid='uc-accept-all-button'",
        "data-testid='uc-deny-all-button'",
        "data-testid='uc-more-button'",
    )
    words, buttons = LABELS[lang][3], _buttons(lang, *ids)
    inner = f"<div data-testid='uc-default-banner' style='{BOX}'><p>{words}</p>{buttons}</div>"
    host = "document.getElementById('usercentrics-root')"
    script = f"<script>{host}.attachShadow({{mode: 'open'}}).innerHTML = `{inner}`;"
    return _page(f"<div id='usercentrics-root' data-wall></div>{script}</script>", lang=lang)


# The IAB TCF stub answering `ping` as a TCF manager does (Quantcast's cmpId, its UI shown until consent).
TCF_STUB = (
    "<script>window.__tcfapi = (cmd, v, cb) => { if (cmd === 'ping') cb({gdprApplies: true, cmpLoaded: true,"
    " cmpStatus: 'loaded', cmpId: 10, displayStatus: window.consented ? 'hidden' : 'visible'}); };</script>"
)


def sourcepoint(lang: str) -> str:
    """The message in an iframe (its own page, `sourcepoint_frame`); its buttons post to the page."""
    banner = (
        f"<div id='sp_message_container_1188' data-wall style='{WALL}'>"
        "<iframe id='sp_message_iframe_1188' title='SP Consent Message'"
        f" src='/sp/index.html?message_id=1188&lang={lang}'"
        f" style='{BOX};border:0;width:100%'></iframe></div>"
        "<script>addEventListener('message', (e) => {"
        " if (e.data && e.data.sp === 'accept') consentGiven(); });</script>"
    )
    return _page(banner, lang=lang)


def sourcepoint_frame(lang: str, pay_only: bool = False) -> str:
    a, r, s, words = LABELS[lang]
    post = 'onclick=\'parent.postMessage({sp: "accept"}, "*")\''
    buttons = (
        "<button class='message-component message-button sp_choice_type_9'>Subscribe</button>"
        if pay_only
        else f"<button class='message-button sp_choice_type_12' title='{s}'>{s}</button>"
        f"<button class='message-button sp_choice_type_13' title='{r}'>{r}</button>"
        f"<button class='message-button sp_choice_type_11' title='{a}' {post}>{a}</button>"
    )
    body = f"<div class='message-container'><p>{words}</p>{buttons}</div>"
    return f"<!doctype html><html><body>{body}</body></html>"


def text_only(lang: str) -> str:
    """No known manager: a modal whose buttons only their words tell apart; reject comes first."""
    a, r, s, words = LABELS[lang]
    banner = (
        f"<div class='bandeau' role='dialog' aria-modal='true' data-wall style='{WALL}'>"
        f"<div style='{BOX}'><p>{words}</p><button onclick='this.remove()'>{r}</button>"
        f"<button>{s}</button><button onclick='consentGiven()'>{a}</button></div></div>"
    )
    return _page(banner, lang=lang)


MANAGER_PAGES: dict[str, tuple[Callable[[str], str], tuple[str, ...]]] = {
    "Sourcepoint": (sourcepoint, ("en", "de", "fr")),
    "OneTrust": (shaped("OneTrust"), ("en", "es", "it")),
    "Didomi": (shaped("Didomi"), ("fr", "it", "pt")),
    "Usercentrics": (usercentrics, ("de", "nl", "pl")),
    "Cookiebot": (shaped("Cookiebot"), ("da", "sv", "en")),
    "Quantcast Choice": (shaped("Quantcast Choice", TCF_STUB), ("en", "fr", "de")),
    "TrustArc": (shaped("TrustArc"), ("en", "de", "ja")),
    "Borlabs": (shaped("Borlabs"), ("de", "en", "fr")),
    "Complianz": (shaped("Complianz"), ("nl", "en", "es")),
    "CookieYes": (shaped("CookieYes"), ("es", "pt", "no")),
}
