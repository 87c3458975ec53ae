"""No WebRTC in pages: its UDP (STUN, TURN, peer connections) would go around the guard proxy.

Chromium's `--force-webrtc-ip-handling-policy=disable_non_proxied_udp` did not stop a page's
STUN requests to a loopback port (5 datagrams in tests/test_webrtc.py), so every frame of
every context starts without the WebRTC constructors: a page that tries gets a TypeError, as
in a browser built without WebRTC. News pages need none of it.
"""

from __future__ import annotations

import json

from playwright.async_api import BrowserContext

_NAMES = (
    "RTCPeerConnection", "webkitRTCPeerConnection", "RTCDataChannel", "RTCIceCandidate",
    "RTCSessionDescription", "RTCRtpSender", "RTCRtpReceiver", "RTCRtpTransceiver",
    "RTCDtlsTransport", "RTCIceTransport", "RTCSctpTransport", "RTCEncodedAudioFrame",
    "RTCEncodedVideoFrame",
)  # fmt: skip

NO_WEBRTC = (
    "(() => { for (const name of NAMES) {"
    " try { delete globalThis[name]; } catch (e) {}"
    " try { Object.defineProperty(globalThis, name, {value: undefined, writable: false,"
    " configurable: false}); } catch (e) {} } })();"
).replace("NAMES", json.dumps(_NAMES))


async def without_webrtc(ctx: BrowserContext) -> None:
    """Every page and frame of `ctx` starts without WebRTC."""
    await ctx.add_init_script(NO_WEBRTC)
