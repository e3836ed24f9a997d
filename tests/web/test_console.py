"""The web console end to end: Debian's Chromium, driven by Playwright, against the real stack
(livekit-server, the API server, the media worker with offline Whisper and Piper, and the built
console under `next start`). A caller, agent A and agent B each have their own browser context;
the caller's microphone plays synthesized speech, the agents' play silence.

Setup takes a minute or two (the worker loads its models, Chromium starts twice); the console
must have been built (`make web`, which `make test` does first). Screenshots of every step are
written to test-results/console/.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import re
import socket
import urllib.request
import wave
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from tests.livekit_server import LiveKitServer, running_livekit, running_worker
from tests.speech import SAMPLE_RATE, synthesize
from warmtransfer.client import Client
from warmtransfer.server.app import RunningServer, start_server
from warmtransfer.server.config import ServerConfig, load_config
from warmtransfer.v1 import summary_service_pb2, transcript_service_pb2

pytestmark = [pytest.mark.slow, pytest.mark.livekit, pytest.mark.asyncio(loop_scope="module")]

REPO = Path(__file__).resolve().parents[2]
WEB_DIR = REPO / "clients" / "web"
CHROMIUM = os.environ.get("WARMTRANSFER_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = REPO / "test-results" / "console"
API_KEY = "console-key"
BRIEFER = "warmtransfer-briefer"
# What the caller says, again and again (Chromium loops the file), with pauses between.
CALLER_LINES = [
    "Hi, this is Maria Lopez. I was charged twice for my March bill and I would like a refund.",
    "The second charge was forty nine dollars on the fifth of March.",
]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
    # LiveKit ignores mDNS host candidates: WebRTC over loopback needs the real addresses.
    "--disable-features=WebRtcHideLocalIpsWithMdns",
]
JOIN_TIMEOUT_S = 25
LONG = 120_000  # ms: speech has to go through Whisper on a shared 2-core machine


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _write_wav(path: Path, pcm: np.ndarray, rate: int) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.astype(np.int16).tobytes())
    return path


@dataclass
class Stack:
    livekit: LiveKitServer
    server: RunningServer
    config: ServerConfig
    console_url: str


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    if not (WEB_DIR / ".next" / "BUILD_ID").exists():
        pytest.fail("the console is not built: run `make web` (make test builds it first)")
    data = tmp_path_factory.mktemp("console-stack")
    async with running_livekit() as livekit:
        config = load_config(
            {
                "WARMTRANSFER_API_KEYS": f"{API_KEY}=tenant-console",
                "WARMTRANSFER_LISTEN": "127.0.0.1:0",
                "WARMTRANSFER_DATA_DIR": str(data / "data"),
                "LIVEKIT_URL": livekit.url,
                "LIVEKIT_API_KEY": livekit.api_key,
                "LIVEKIT_API_SECRET": livekit.api_secret,
                "WARMTRANSFER_WORKERS": "0",
                "WARMTRANSFER_SUMMARY_EVERY_SECONDS": "1",
                # Long enough for every B here to accept, short enough to see one time out.
                "WARMTRANSFER_TRANSFER_JOIN_TIMEOUT_SECONDS": str(JOIN_TIMEOUT_S),
            }
        )
        server = await start_server(config)
        target = f"127.0.0.1:{server.port}"
        config = dataclasses.replace(config, listen=target)  # a restart keeps the port
        port = _free_port()
        log = (data / "console.log").open("wb")
        console = await asyncio.create_subprocess_exec(
            str(WEB_DIR / "node_modules" / ".bin" / "next"), "start", "-H", "127.0.0.1",
            "-p", str(port),
            cwd=WEB_DIR,
            env=os.environ | {
                "WARMTRANSFER_SERVER": target,
                "WARMTRANSFER_API_KEY": API_KEY,
                "NEXT_TELEMETRY_DISABLED": "1",
            },
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            async with running_worker(livekit, target):
                await _wait_until_serving(url, console)
                stack = Stack(livekit, server, config, url)
                yield stack
                server = stack.server  # a test may have restarted it
        finally:
            with contextlib.suppress(ProcessLookupError):
                console.terminate()
            await console.wait()
            log.close()
            await server.stop(grace=1)


async def _wait_until_serving(url: str, process: asyncio.subprocess.Process) -> None:
    def answers() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    async with asyncio.timeout(120):
        while not await asyncio.to_thread(answers):
            if process.returncode is not None:
                raise RuntimeError(f"the console exited with {process.returncode}")
            await asyncio.sleep(0.2)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browsers(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[Browser, Browser]]:
    """(the caller's browser, the agents' browser): one microphone file per browser."""
    folder = tmp_path_factory.mktemp("audio")
    pause = np.zeros(int(SAMPLE_RATE * 2.5), dtype=np.int16)
    speech = np.concatenate(
        [part for line in CALLER_LINES for part in (await synthesize(line), pause)]
    )
    caller_wav = _write_wav(folder / "caller.wav", speech, SAMPLE_RATE)
    silence_wav = _write_wav(
        folder / "silence.wav", np.zeros(SAMPLE_RATE * 2, np.int16), SAMPLE_RATE
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        launched = []
        for wav in (caller_wav, silence_wav):
            launched.append(
                await playwright.chromium.launch(
                    executable_path=CHROMIUM,
                    args=[*CHROMIUM_ARGS, f"--use-file-for-fake-audio-capture={wav}"],
                )
            )
        try:
            yield launched[0], launched[1]
        finally:
            for browser in launched:
                await browser.close()


_contexts: list[BrowserContext] = []


@pytest_asyncio.fixture(autouse=True, loop_scope="module")
async def _close_pages() -> AsyncIterator[None]:
    """Each test's browser contexts end with it: a caller left on the line would go on talking
    (its microphone file loops) and load Whisper through every later test."""
    yield
    while _contexts:
        await _contexts.pop().close()


async def _page(browser: Browser, stack: Stack) -> Page:
    context = await browser.new_context(
        base_url=stack.console_url, viewport={"width": 1400, "height": 900}
    )
    _contexts.append(context)
    return await context.new_page()


async def _shot(page: Page, name: str) -> None:
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


async def _sign_in(page: Page, identity: str) -> None:
    await page.goto("/")
    await page.get_by_label("Your agent identity").fill(identity)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_test_id("agent")).to_have_text(identity, timeout=30_000)


async def _call(page: Page, name: str, customer: str) -> None:
    await page.goto("/caller")
    await page.get_by_label("Your name").fill(name)
    await page.get_by_label("Customer id").fill(customer)
    await page.get_by_role("button", name="Call support").click()
    await expect(page.locator('[data-room="call"]')).to_have_attribute(
        "data-state", "connected", timeout=30_000
    )


async def _take(page: Page, customer: str) -> None:
    await page.get_by_role("button", name=f"Take the call of {customer}").click()
    await expect(page.locator('[data-room="call"]')).to_have_attribute(
        "data-state", "connected", timeout=30_000
    )


async def _transfer(page: Page, to: str, reason: str) -> None:
    await page.get_by_label("Transfer to").fill(to)
    await page.get_by_label("Why").fill(reason)
    await page.get_by_role("button", name="Transfer", exact=True).click()
    await expect(page.get_by_test_id("transfer-state")).to_contain_text("consulting")


# Whether a room's audio from one participant has carried more than `minimum` of energy
# (inbound RTP stats of the page's WebRTC connection).
HEARS = """async ([label, identity, minimum]) => {
    const room = window.__warmTransferRooms?.[label];
    const who = room?.remoteParticipants.get(identity);
    let total = 0;
    for (const pub of who ? who.trackPublications.values() : []) {
        if (pub.kind !== "audio" || !pub.track) continue;
        const report = await pub.track.getRTCStatsReport();
        report?.forEach((s) => {
            if (s.type === "inbound-rtp") total += s.totalAudioEnergy ?? 0;
        });
    }
    return total > minimum;
}"""
LINES = "[data-testid=transcript] li[data-seq]"


async def _wait_for_line(page: Page, *, after_seq: int = 0, off_hold: bool = False) -> None:
    """Until the transcript shows a final line with a seq above `after_seq` (said off hold)."""
    selector = LINES + ('[data-on-hold="false"]' if off_hold else "")
    await page.wait_for_function(
        "([selector, after]) => [...document.querySelectorAll(selector)]"
        ".some((li) => Number(li.dataset.seq) > after)",
        arg=[selector, after_seq],
        timeout=LONG,
    )


async def _seqs(page: Page) -> list[int]:
    """The seqs of the final lines in the page's transcript, in the order shown."""
    values = await page.locator(LINES).evaluate_all(
        "items => items.map((li) => Number(li.dataset.seq))"
    )
    return [int(v) for v in values]


@dataclass
class Scene:
    """A caller on the line, agent A with the call, and (when named) agent B signed in."""

    caller: Page
    a: Page
    b: Page


async def _scene(
    stack: Stack,
    browsers: tuple[Browser, Browser],
    *,
    caller: str,
    customer: str,
    a: str,
    b: str | None = None,
) -> Scene:
    caller_browser, agents_browser = browsers
    caller_page = await _page(caller_browser, stack)
    a_page = await _page(agents_browser, stack)
    b_page = await _page(agents_browser, stack)
    await _sign_in(a_page, a)
    if b is not None:
        await _sign_in(b_page, b)
    await _call(caller_page, caller, customer)
    await _take(a_page, customer)
    return Scene(caller_page, a_page, b_page)


async def test_a_whole_warm_transfer_in_three_tabs(
    stack: Stack, browsers: tuple[Browser, Browser]
) -> None:
    scene = await _scene(
        stack, browsers, caller="maria", customer="CUST-1001", a="agent-a", b="agent-b"
    )
    a, b = scene.a, scene.b
    await _shot(scene.caller, "01-caller-on-the-line")
    # The caller's spoken words, through Whisper, in A's transcript; the summary follows.
    transcript = a.get_by_test_id("transcript")
    await expect(transcript).to_contain_text("charged twice", timeout=LONG)
    # The caller's name never reaches the screen: it is redacted as it streams.
    await expect(transcript.locator("mark[title=redacted]").first).to_have_text("person")
    assert "Lopez" not in await transcript.inner_text()
    await expect(a.get_by_test_id("summary-reason")).not_to_be_empty(timeout=LONG)
    await expect(a.get_by_test_id("freshness")).to_contain_text("updated")
    await _shot(a, "02-agent-a-live-transcript-and-summary")

    await _transfer(a, "agent-b", "billing dispute")
    # B is offered the transfer, with the briefing, without knowing the call.
    offer = b.get_by_test_id("offer")
    await expect(offer).to_contain_text("agent-a wants to transfer a call to you", timeout=30_000)
    await expect(offer).to_contain_text("billing dispute")
    await expect(offer.get_by_test_id("summary")).to_contain_text(re.compile("charge", re.I))
    await _shot(b, "03-agent-b-offered-with-briefing")

    await offer.get_by_role("button", name="Accept").click()
    await expect(b.locator('[data-room="consult"]')).to_have_attribute(
        "data-state", "connected", timeout=30_000
    )
    await expect(a.get_by_test_id("transfer-state")).to_contain_text("(accepted)")
    # B hears the spoken briefing: audio energy arrives from the briefer's track.
    await b.wait_for_function(HEARS, arg=["consult", BRIEFER, 0.001], timeout=LONG, polling=500)
    # ... and the measure tells sound from silence: A's microphone plays silence.
    assert not await b.evaluate(HEARS, ["consult", "agent-a", 0.001])
    await _shot(b, "04-agent-b-consulting-hears-briefing")

    await b.get_by_role("button", name="Take the caller").click()
    await expect(b.get_by_test_id("notice")).to_contain_text("You have the caller", timeout=LONG)
    await expect(a.get_by_test_id("notice")).to_contain_text(
        "Call handed over to agent-b", timeout=LONG
    )
    await expect(b.locator('[data-room="call"]')).to_have_attribute("data-state", "connected")
    # The caller's next words, said off hold after the hand-over, reach B's transcript.
    handed_over_at = max(await _seqs(b), default=0)
    await _wait_for_line(b, after_seq=handed_over_at, off_hold=True)
    seqs = await _seqs(b)
    assert seqs == sorted(set(seqs)), "a segment shown twice or out of order"
    await _shot(b, "05-agent-b-has-the-caller")
    await _shot(a, "06-agent-a-handed-over")


async def test_b_declines_and_a_is_back_with_the_caller(
    stack: Stack, browsers: tuple[Browser, Browser]
) -> None:
    scene = await _scene(
        stack, browsers, caller="li", customer="CUST-2002", a="agent-c", b="agent-d"
    )
    a, b = scene.a, scene.b
    await _transfer(a, "agent-d", "wrong department")

    offer = b.get_by_test_id("offer")
    await expect(offer).to_contain_text("agent-c wants to transfer", timeout=30_000)
    await offer.get_by_label("Why you decline").fill("in a meeting")
    await offer.get_by_role("button", name="Decline").click()
    await expect(offer).to_have_count(0)
    notice = a.get_by_test_id("notice")
    await expect(notice).to_contain_text(
        "agent-d declined the transfer (in a meeting). You are back with the caller.",
        timeout=30_000,
    )
    await expect(a.locator('[data-room="call"]')).to_have_attribute("data-state", "connected")
    await expect(a.locator('[data-room="consult"]')).to_have_count(0)
    await _shot(a, "07-agent-a-transfer-declined")

    # A tries again, then calls it off before B answers: the offer leaves B's screen.
    await _transfer(a, "agent-d", "second try")
    await expect(offer).to_contain_text("second try", timeout=30_000)
    await a.get_by_role("button", name="Cancel transfer").click()
    await expect(notice).to_contain_text("Transfer cancelled. You are back with the caller.")
    await expect(offer).to_have_count(0, timeout=30_000)


async def test_the_caller_hanging_up_mid_consult_ends_it_on_both_pages(
    stack: Stack, browsers: tuple[Browser, Browser]
) -> None:
    scene = await _scene(
        stack, browsers, caller="omar", customer="CUST-3003", a="agent-e", b="agent-f"
    )
    caller, a, b = scene.caller, scene.a, scene.b
    await _transfer(a, "agent-f", "needs a specialist")
    offer = b.get_by_test_id("offer")
    await expect(offer).to_contain_text("agent-e wants to transfer", timeout=30_000)
    await offer.get_by_role("button", name="Accept").click()
    await expect(b.locator('[data-room="consult"]')).to_have_attribute(
        "data-state", "connected", timeout=30_000
    )

    await caller.get_by_role("button", name="Hang up").click()
    await expect(a.get_by_test_id("notice")).to_contain_text("the caller hung up", timeout=60_000)
    await expect(b.get_by_test_id("notice")).to_contain_text("the caller hung up", timeout=60_000)
    await expect(b.locator('[data-room="consult"]')).to_have_count(0)
    await _shot(b, "08-agent-b-caller-hung-up")


async def test_the_transcript_resumes_without_gaps_or_repeats_when_the_server_restarts(
    stack: Stack, browsers: tuple[Browser, Browser]
) -> None:
    scene = await _scene(stack, browsers, caller="sam", customer="CUST-4004", a="agent-g")
    a = scene.a
    await expect(a.get_by_test_id("transcript").locator("li[data-seq]")).not_to_have_count(
        0, timeout=LONG
    )
    before = await _seqs(a)

    await stack.server.stop(grace=1)
    await expect(a.get_by_test_id("server-error")).to_contain_text(
        "cannot be reached", timeout=30_000
    )
    await _shot(a, "09-agent-a-server-down")
    stack.server = await start_server(stack.config)
    await expect(a.get_by_test_id("server-error")).to_have_count(0, timeout=30_000)

    # The caller went on talking: new lines arrive, and the page shows exactly what the server
    # stored, each line once, in order.
    await _wait_for_line(a, after_seq=max(before))
    async with Client(stack.config.listen, api_key=API_KEY) as client:
        call_id = await a.evaluate("() => document.querySelector('[data-call-id]')?.dataset.callId")
        async with asyncio.timeout(60):
            while True:
                stored = await client.transcripts.GetTranscript(
                    transcript_service_pb2.GetTranscriptRequest(call_id=call_id)
                )
                shown = await _seqs(a)
                if shown == [int(s.seq) for s in stored.segments]:
                    break
                await asyncio.sleep(0.5)
    assert shown[: len(before)] == before
    assert shown == sorted(set(shown))
    await _shot(a, "10-agent-a-transcript-after-restart")

    # Hold and resume from the console.
    await a.get_by_role("button", name="Hold").click()
    await expect(a.get_by_role("button", name="Resume")).to_be_visible(timeout=30_000)
    await a.get_by_role("button", name="Resume").click()
    await expect(a.get_by_role("button", name="Hold")).to_be_visible(timeout=30_000)

    await a.get_by_role("button", name="End call").click()
    # EndCall waits (up to 10 s) for the transcriber to send the last words it heard.
    await expect(a.get_by_test_id("notice")).to_contain_text("Call ended", timeout=30_000)
    # The call is in the history: found by what was said, opened with its final summary (the
    # words are Whisper's and the offline summarizer's: compared with what the server holds).
    async with Client(stack.config.listen, api_key=API_KEY) as client:
        async with asyncio.timeout(60):
            while True:  # the final summary is written once the call has ended
                final = await client.summaries.GetSummary(
                    summary_service_pb2.GetSummaryRequest(call_id=call_id)
                )
                if final.summary.final:
                    break
                await asyncio.sleep(0.5)
    await a.get_by_label("What happened").fill("refund for a double charge")
    await a.get_by_label("Customer id").fill("CUST-4004")
    history = a.get_by_role("region", name="Call history")
    found = history.locator("ul button")  # within this customer's calls: this call's moments
    async with asyncio.timeout(LONG / 1000):
        while True:  # the history index follows the call by a few seconds
            await history.get_by_role("button", name="Search").click()
            with contextlib.suppress(AssertionError):
                await expect(found.first).to_be_visible(timeout=5_000)
                break
    await found.first.click()
    await expect(history.get_by_label(f"Call {call_id}")).to_be_visible(timeout=30_000)
    await expect(history.get_by_test_id("summary-reason")).to_have_text(
        final.summary.reason or final.summary.briefing
    )
    await _shot(a, "14-agent-a-call-history")


async def test_an_offer_nobody_answers_times_out_and_a_is_told_why(
    stack: Stack, browsers: tuple[Browser, Browser]
) -> None:
    scene = await _scene(stack, browsers, caller="ana", customer="CUST-5005", a="agent-h")
    a = scene.a
    await _transfer(a, "agent-away", "escalation")
    notice = a.get_by_test_id("notice")
    await expect(notice).to_contain_text(
        "failed: agent-away did not answer the transfer in time. You are back with the caller.",
        timeout=(JOIN_TIMEOUT_S + 60) * 1000,
    )
    await expect(a.locator('[data-room="call"]')).to_have_attribute("data-state", "connected")
    await _shot(a, "11-agent-a-offer-timed-out")


async def test_a_blocked_microphone_and_an_unreachable_livekit_are_said_plainly(
    stack: Stack, browsers: tuple[Browser, Browser]
) -> None:
    _, agents_browser = browsers
    # The browser refuses the microphone (no fake device, every permission prompt denied).
    async with async_playwright() as playwright:
        denying = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                *(arg for arg in CHROMIUM_ARGS if "fake" not in arg),
                "--deny-permission-prompts",
            ],
        )
        try:
            caller = await (await denying.new_context(base_url=stack.console_url)).new_page()
            await caller.goto("/caller")
            await caller.get_by_label("Customer id").fill("CUST-6006")
            await caller.get_by_role("button", name="Call support").click()
            blocked = caller.get_by_role("alert").filter(has_text="The microphone is blocked")
            await expect(blocked).to_be_visible(timeout=30_000)
            await _shot(caller, "12-caller-microphone-blocked")
        finally:
            await denying.close()

    # LiveKit does not answer: every signalling connection is refused.
    a = await _page(agents_browser, stack)
    await a.route_web_socket(re.compile(r".*/rtc.*"), lambda ws: ws.close())
    await _sign_in(a, "agent-i")
    await _take_without_waiting(a, "CUST-6006")
    await expect(a.get_by_role("alert").filter(has_text="LiveKit cannot be reached")).to_be_visible(
        timeout=60_000
    )
    await _shot(a, "13-agent-livekit-unreachable")


async def _take_without_waiting(page: Page, customer: str) -> None:
    await page.get_by_role("button", name=f"Take the call of {customer}").click()
