"""The MCP tools in-process (the official client connected to the server object): their errors
and their readable text. The transports are tested in tests/integration/test_mcp.py."""

from __future__ import annotations

from typing import Any

from mcp import Client
from mcp.types import CallToolResult, TextContent

from service.answer.result import Answer
from service.errors import NotReadyError
from service.http.jobs import AskParams
from service.mcp.tools import McpBackend, build_mcp_server, direct_asker
from tests.conftest import LAVROV_ID, LAVROV_Q, run_async


def call(backend: McpBackend, tool: str, arguments: dict[str, Any]) -> CallToolResult:
    async def session() -> CallToolResult:
        async with Client(build_mcp_server(backend)) as client:
            return await client.call_tool(tool, arguments)

    return run_async(session())


def text_of(result: CallToolResult) -> str:
    block = result.content[0]
    assert isinstance(block, TextContent)
    return block.text


def test_an_extractive_answer_reads_as_text_with_its_sources(make_pipeline) -> None:
    pipeline, _ = make_pipeline()
    result = call(McpBackend(pipeline, direct_asker(pipeline)), "ask", {"question": LAVROV_Q, "mode": "extractive"})
    assert not result.is_error and isinstance(result.structured_content, dict)
    citation = result.structured_content["citations"][0]
    text = text_of(result)
    assert result.structured_content["status"] == "tentative"  # no model: the closest quotes, said so
    assert text.startswith("TENTATIVE (no answer was proven): " + result.structured_content["answer"])
    assert f"“{citation['quote']}” (chars {citation['start']}-{citation['end']})" in text
    assert "timings_ms" in result.structured_content  # the HTTP API's JSON, aliases included


def test_a_service_still_loading_is_a_tool_error(make_pipeline) -> None:
    pipeline, _ = make_pipeline()

    def loading() -> None:
        raise NotReadyError("the service is not ready (loading); retry in a few seconds")

    backend = McpBackend(pipeline, direct_asker(pipeline), loading)
    for tool, arguments in (("ask", {"question": LAVROV_Q}), ("get_article", {"article_id": LAVROV_ID})):
        result = call(backend, tool, arguments)
        assert result.is_error and "the service is not ready (loading)" in text_of(result)


def test_an_unexpected_failure_is_reported_without_its_details(make_pipeline) -> None:
    pipeline, _ = make_pipeline()

    async def broken(params: AskParams) -> Answer:
        raise RuntimeError("secret internals at /srv/citewire")

    result = call(McpBackend(pipeline, broken), "ask", {"question": LAVROV_Q})
    assert result.is_error and text_of(result) == "Error executing tool ask"


def test_bad_arguments_are_tool_errors_naming_the_field(make_pipeline) -> None:
    pipeline, _ = make_pipeline()
    result = call(McpBackend(pipeline, direct_asker(pipeline)), "search", {"query": "Lavrov", "top_k": 0})
    assert result.is_error and "top_k" in text_of(result)
