"""The consent managers Storyline knows by structure: where each shows its banner, where its
"accept all" is, and the API that accepts when its script offers one.

Written from the managers' public documentation and the markup their banners put on pages (ids,
classes, data attributes). DuckDuckGo's autoconsent (MPL-2.0) keeps rules for about a thousand
managers; bundling it costs every page its 1 MB of script and rules (measured: 116-160 ms a page),
so this compact table covers the common managers and `words.py` reads the rest.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Manager:
    name: str
    banner: str  # CSS of the banner or wall; shown = the manager is asking now
    accept: str  # CSS of "accept all" (in the page; open shadow roots are pierced)
    frame: str = ""  # CSS of the iframe that holds `accept`, when the buttons live in one
    api: str = ""  # a JS function body that accepts all through the manager's own API; true if it ran
    present: str = ""  # CSS of the manager's script or root, before its banner shows


MANAGERS: tuple[Manager, ...] = (
    # Sourcepoint: the message is an iframe in a full-page container; its buttons post the choice
    # to the page (choice type 11 = accept all).
    Manager(
        "Sourcepoint",
        banner="div[id^='sp_message_container_']",
        accept=".sp_choice_type_11, .sp_choice_type_ACCEPT_ALL",
        frame="iframe[id^='sp_message_iframe_'], iframe[title='SP Consent Message']",
        present="script[src*='sourcepoint'], script[src*='sp-prod.net']",
    ),
    Manager(
        "OneTrust",
        banner="#onetrust-banner-sdk, #onetrust-pc-sdk",
        accept="#onetrust-accept-btn-handler, #accept-recommended-btn-handler",
        api="if (window.OneTrust && OneTrust.AllowAll) { OneTrust.AllowAll(); return true; } return false;",
        present="#onetrust-consent-sdk, script[src*='otSDKStub']",
    ),
    Manager(
        "Didomi",
        banner="#didomi-notice, #didomi-popup, .didomi-popup-notice, .didomi-notice-banner",
        accept="#didomi-notice-agree-button",
        api="if (window.Didomi && Didomi.setUserAgreeToAll) { Didomi.setUserAgreeToAll(); return true; } "
        "return false;",
        present="#didomi-host",
    ),
    # Usercentrics renders its banner into an open shadow root under #usercentrics-root (v2) or
    # #usercentrics-cmp-ui (v3); its UC_UI API accepts all.
    Manager(
        "Usercentrics",
        banner="#usercentrics-root, #usercentrics-cmp-ui",
        accept="[data-testid='uc-accept-all-button'], #usercentrics-cmp-ui #accept",
        api="if (window.UC_UI && UC_UI.acceptAllConsents) { UC_UI.acceptAllConsents(); "
        "if (UC_UI.closeCMP) UC_UI.closeCMP(); return true; } return false;",
        present="script#usercentrics-cmp, script[src*='usercentrics']",
    ),
    Manager(
        "Cookiebot",
        banner="#CybotCookiebotDialog",
        accept="#CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll, "
        "#CybotCookiebotDialogBodyButtonAccept, #CybotCookiebotDialogBodyLevelButtonAccept",
        present="script#Cookiebot, script[src*='cookiebot']",
    ),
    Manager(
        "Quantcast Choice",
        banner="#qc-cmp2-ui, #qc-cmp2-container .qc-cmp2-summary-buttons",
        accept=".qc-cmp2-summary-buttons button[mode='primary'], #qc-cmp2-ui button[mode='primary']",
        present="#qc-cmp2-container, script[src*='quantcast']",
    ),
    # TrustArc: a bottom bar (#truste-consent-track), or a pop-frame whose buttons are in an iframe.
    Manager(
        "TrustArc",
        banner="#truste-consent-track, .truste_popframe, .truste_overlay",
        accept="#truste-consent-button, a.call",
        frame="iframe.truste_popframe, .truste_popframe iframe, iframe[src*='consent-pref.trustarc']",
        present="script[src*='trustarc'], script[src*='truste']",
    ),
    Manager(
        "Borlabs",
        banner="#BorlabsCookieBox ._brlbs-bar-wrap, #BorlabsCookieBox ._brlbs-box-wrap, .brlbs-cmpnt-dialog",
        accept="a[data-cookie-accept-all], .brlbs-btn-accept-all, #BorlabsCookieBox a._brlbs-btn-accept-all",
        present="#BorlabsCookieBox",
    ),
    Manager(
        "Complianz",
        banner=".cmplz-cookiebanner:not(.cmplz-dismissed)",
        accept=".cmplz-cookiebanner .cmplz-accept",
        present="#cmplz-cookiebanner-container",
    ),
    Manager(
        "CookieYes",
        banner=".cky-consent-container:not(.cky-hide)",
        accept="[data-cky-tag='accept-button']",
        present=".cky-consent-container, script[src*='cookieyes']",
    ),
)

# IAB TCF v2 CMP ids (the registry's numbers) of the managers above: `__tcfapi('ping')` names them.
TCF_CMP_IDS: dict[int, str] = {
    5: "Usercentrics",
    6: "Sourcepoint",
    7: "Didomi",
    10: "Quantcast Choice",
    21: "TrustArc",
    28: "OneTrust",
    134: "Cookiebot",
}


def by_name(name: str) -> Manager | None:
    return next((m for m in MANAGERS if m.name == name), None)
