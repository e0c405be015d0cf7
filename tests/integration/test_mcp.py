"""The MCP tools through the official `mcp` client: over streamable HTTP against a real uvicorn on
loopback (fake models, seconds), and over stdio against `python -m cli.main mcp` (the real
embedder; extractive answers, and one test with the real model)."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult, TextContent

from tests.conftest import LAVROV_A, LAVROV_ID, LAVROV_Q, ROOT, SEEDS, run_async

pytestmark = pytest.mark.integration
LAVROV_CLAIM = "Lavrov said the biggest threat was that the chemical weapons could fall into the hands of militants."
TOOLS = {"ask", "search", "get_article", "verify"}


def http_client(url: str, key: str | None = None) -> Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return Client(streamable_http_client(f"{url}/mcp", http_client=httpx2.AsyncClient(headers=headers, timeout=60)))


def stdio_client(index_dir: Path, **env: str) -> Client:
    environment = {
        **os.environ,
        "CITEWIRE_INDEX_DIR": str(index_dir),
        "CITEWIRE_SEEDS_DIR": str(SEEDS),
        "CITEWIRE_DEFAULT_MODE": "extractive",
        **env,
    }
    command = StdioServerParameters(command=sys.executable, args=["-m", "cli.main", "mcp"], env=environment, cwd=ROOT)
    return Client(command, read_timeout_seconds=300)


def text_of(result: CallToolResult) -> str:
    block = result.content[0]
    assert isinstance(block, TextContent)
    return block.text


def structured(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, text_of(result)
    assert isinstance(result.structured_content, dict)
    return result.structured_content


async def check_every_tool(client: Client, ask_mode: str) -> None:
    """The four tools, their results checked against each other: quotes are the article's text at their offsets."""
    listed = await client.list_tools()
    assert {tool.name for tool in listed.tools} == TOOLS
    for tool in listed.tools:
        assert "not instructions" in (tool.description or "") and tool.output_schema

    found = structured(await client.call_tool("search", {"query": "Lavrov chemical weapons threat", "top_k": 3}))
    assert 0 < len(found["passages"]) <= 3 and found["passages"][0]["article_id"] == LAVROV_ID

    article = structured(await client.call_tool("get_article", {"article_id": LAVROV_ID}))
    assert article["article_id"] == LAVROV_ID and article["title"] and article["source"]

    asked = await client.call_tool("ask", {"question": LAVROV_Q, "mode": ask_mode})
    answer = structured(asked)
    assert answer["status"] == ("answered" if ask_mode == "llm" else "tentative"), answer  # no model: the quotes
    assert answer["mode"] == ask_mode and "militants" in answer["answer"]
    assert answer["citations"] and "[1]" in answer["answer"] and "Sources:" in text_of(asked)
    for citation in answer["citations"]:
        cited = structured(await client.call_tool("get_article", {"article_id": citation["article_id"]}))
        assert cited["text"][citation["start"] : citation["end"]] == citation["quote"]
        assert citation["source"] == cited["source"] and citation["published"] == cited["published"]
        assert citation["quote"] in text_of(asked)

    checked = structured(await client.call_tool("verify", {"claim": LAVROV_CLAIM, "article_ids": [LAVROV_ID]}))
    assert checked["verdict"] == "supported" and checked["supported"] is True
    quote = checked["citations"][0]
    assert article["text"][quote["start"] : quote["end"]] == quote["quote"]


async def check_errors(client: Client) -> None:
    empty = await client.call_tool("ask", {"question": "   "})
    assert empty.is_error and "the question is empty" in text_of(empty)
    unknown = await client.call_tool("get_article", {"article_id": "no-such-article"})
    assert unknown.is_error and "no article with id 'no-such-article'" in text_of(unknown)
    unknown_filter = await client.call_tool("verify", {"claim": "Something happened.", "article_ids": ["nope"]})
    assert unknown_filter.is_error and "no article with id 'nope'" in text_of(unknown_filter)
    for result in (empty, unknown, unknown_filter):
        assert "Traceback" not in text_of(result)


def test_every_tool_over_streamable_http(serve) -> None:
    url, _ = serve(LAVROV_A)

    async def session() -> None:
        async with http_client(url) as client:
            await check_every_tool(client, ask_mode="llm")
            await check_errors(client)

    run_async(session())


def test_mcp_over_http_needs_a_key_when_keys_are_set(serve) -> None:
    url, _ = serve(api_keys="write-key", read_api_keys="read-key")
    ping = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    headers = {"Accept": "application/json, text/event-stream"}
    refused = httpx.post(f"{url}/mcp", json=ping, headers=headers, timeout=10)
    assert refused.status_code == 401 and "API key" in refused.json()["error"]["message"]
    wrong = httpx.post(f"{url}/mcp", json=ping, headers={**headers, "Authorization": "Bearer nope"}, timeout=10)
    assert wrong.status_code == 401

    async def session() -> None:
        async with http_client(url, key="read-key") as client:  # a read key suffices
            found = await client.call_tool("search", {"query": "Lavrov chemical weapons"})
            assert structured(found)["passages"]

    run_async(session())


def test_mcp_ask_over_http_goes_through_the_admission_queue(serve) -> None:
    url, generator = serve(
        LAVROV_A, queue_size=0, max_model_wait_s=0
    )  # one answer at a time, none waiting, 503 past it
    generator.hold = threading.Event()

    async def session() -> None:
        async with http_client(url) as client:
            first = asyncio.create_task(client.call_tool("ask", {"question": LAVROV_Q}))
            while not generator.started.is_set():
                await asyncio.sleep(0.02)
            busy = await client.call_tool("ask", {"question": LAVROV_Q})
            assert busy.is_error and "busy" in text_of(busy) and "retry" in text_of(busy)
            extractive = await client.call_tool("ask", {"question": LAVROV_Q, "mode": "extractive"})
            assert structured(extractive)["citations"]  # no model, so no place in the queue needed
            assert generator.hold is not None
            generator.hold.set()
            assert structured(await first)["answered"]

    run_async(session())


@pytest.mark.slow
def test_every_tool_over_stdio(tmp_path: Path) -> None:
    async def session() -> None:
        async with stdio_client(tmp_path / "index") as client:
            await check_every_tool(client, ask_mode="extractive")
            await check_errors(client)

    run_async(session())


@pytest.mark.slow
@pytest.mark.usefixtures("default_model")  # without it, 'llm' answers would quietly be extractive ones
def test_real_model_answers_over_stdio(tmp_path: Path) -> None:
    async def session() -> None:
        async with stdio_client(tmp_path / "index", CITEWIRE_DEFAULT_MODE="llm") as client:
            answer = structured(await client.call_tool("ask", {"question": LAVROV_Q}))
            assert answer["mode"] == "llm" and answer["model"], answer
            assert answer["answered"] and "militants" in answer["answer"], answer
            for citation in answer["citations"]:
                cited = structured(await client.call_tool("get_article", {"article_id": citation["article_id"]}))
                assert cited["text"][citation["start"] : citation["end"]] == citation["quote"]

    run_async(session())
