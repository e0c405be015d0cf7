"""Standard clients, with no citewire-specific code, against a real uvicorn on loopback: the official
`openai` SDK (Responses API and chat completions, streamed and not) and LangChain's `ChatOpenAI`
see each citation as a typed `url_citation` whose indexes cut the cited sentence out of the text.

The pipeline is real (FAISS, BM25, routes, queue) with the fakes for the models; the real model
answers through the same routes in tests/integration/test_server_real.py.
"""

from __future__ import annotations

import httpx
import openai
import pytest
from langchain_openai import ChatOpenAI
from openai.types.chat.chat_completion_message import Annotation as ChatAnnotation
from openai.types.responses import Response, ResponseCompletedEvent, ResponseOutputMessage, ResponseOutputText
from openai.types.responses.response_output_text import AnnotationURLCitation
from openai.types.responses.response_output_text_annotation_added_event import (
    AnnotationURLCitation as StreamedURLCitation,
)
from pydantic import SecretStr

from tests.conftest import LAVROV_A, LAVROV_ID, LAVROV_Q

pytestmark = pytest.mark.integration
SENTENCE_END = "militants.” [1]"
QUOTE_START = "Gulf News, 22 December 2012: “"  # the proving quote, introduced by its publisher and date


def sdk(url: str, key: str = "unused") -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0, timeout=60)


def answer_part(response: Response) -> ResponseOutputText:
    """`response.output[0].content[0]`, checked to be the typed message and text the SDK parsed."""
    (message,) = response.output
    assert isinstance(message, ResponseOutputMessage) and message.status == "completed"
    (part,) = message.content
    assert isinstance(part, ResponseOutputText)
    return part


def cited_sentences(text: str, annotations: list[AnnotationURLCitation]) -> list[str]:
    return [text[a.start_index : a.end_index] for a in annotations]


def test_openai_sdk_responses_create_shows_url_citations(serve) -> None:
    url, _ = serve(LAVROV_A)
    response = sdk(url).responses.create(model="citewire", input=LAVROV_Q, instructions="Answer in French.")
    assert isinstance(response, Response) and response.status == "completed"
    part = answer_part(response)
    assert part.text == response.output_text
    direct, annotation = part.annotations  # the model's proven sentence, then the quote that proves it
    assert isinstance(direct, AnnotationURLCitation) and isinstance(annotation, AnnotationURLCitation)
    written, sentence = cited_sentences(part.text, [direct, annotation])
    assert written == LAVROV_A and part.text == f"{written} {sentence}"
    assert sentence.startswith(QUOTE_START) and sentence.endswith(SENTENCE_END)
    (citation,) = (response.model_extra or {})["citations"]  # the full citation, documented as `citations`
    assert annotation.url == direct.url == f"{url}/articles/{LAVROV_ID}#q={citation['start']}-{citation['end']}"
    assert annotation.title == citation["title"] and citation["quote"] in sentence
    assert response.usage is not None and response.usage.total_tokens > 0
    page = httpx.get(annotation.url.split("#")[0], timeout=30)  # the link opens the article page
    assert page.status_code == 200 and "Lavrov" in page.text


def test_openai_sdk_streamed_response_builds_the_same_typed_answer(serve) -> None:
    url, _ = serve(LAVROV_A, LAVROV_A)  # one reply per request
    events = list(sdk(url).responses.create(model="citewire", input=LAVROV_Q, stream=True))
    types = [event.type for event in events]
    assert types[0] == "response.created" and types[-1] == "response.completed"
    assert [event.sequence_number for event in events] == list(range(len(events)))
    text = "".join(event.delta for event in events if event.type == "response.output_text.delta")
    added = [event for event in events if event.type == "response.output_text.annotation.added"]
    assert [event.annotation_index for event in added] == [0, 1]
    annotations = [event.annotation for event in added]
    assert all(isinstance(a, StreamedURLCitation) for a in annotations)
    written, quote = [text[a.start_index : a.end_index] for a in annotations]  # type: ignore[union-attr]
    assert written == LAVROV_A and text == f"{written} {quote}"
    assert quote.startswith(QUOTE_START) and text.endswith(SENTENCE_END)
    final = events[-1]
    assert isinstance(final, ResponseCompletedEvent) and final.response.output_text == text
    part = answer_part(final.response)
    assert [a.model_dump() for a in part.annotations] == [a.model_dump() for a in annotations]  # type: ignore[union-attr]

    with sdk(url).responses.stream(model="citewire", input=LAVROV_Q) as stream:  # the SDK's own accumulator
        response = stream.get_final_response()
    assert response.output_text == text


def test_openai_sdk_chat_completion_message_annotations(serve) -> None:
    url, _ = serve(LAVROV_A, LAVROV_A)
    client = sdk(url)
    messages: list = [{"role": "user", "content": LAVROV_Q}]
    message = client.chat.completions.create(model="citewire", messages=messages).choices[0].message
    content = message.content or ""
    direct, annotation = message.annotations or []
    assert isinstance(annotation, ChatAnnotation) and annotation.type == direct.type == "url_citation"
    written, span = direct.url_citation, annotation.url_citation
    assert content[written.start_index : written.end_index] == LAVROV_A
    assert content[span.start_index : span.end_index].startswith(QUOTE_START) and content.endswith(SENTENCE_END)
    assert span.url == written.url and span.url.startswith(f"{url}/articles/{LAVROV_ID}#q=") and span.title

    chunks = list(client.chat.completions.create(model="citewire", messages=messages, stream=True))
    streamed = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    first, last = (chunks[-1].choices[0].delta.model_extra or {})["annotations"]
    assert [first["url_citation"], last["url_citation"]] == [written.model_dump(), span.model_dump()]
    assert streamed == content


def test_langchain_chat_openai_with_the_responses_api_shows_titles_and_urls(serve) -> None:
    url, _ = serve(LAVROV_A, LAVROV_A)
    model = ChatOpenAI(
        base_url=f"{url}/v1", model="citewire", api_key=SecretStr("unused"), use_responses_api=True, max_retries=0
    )
    message = model.invoke(LAVROV_Q)
    (block,) = [block for block in message.content_blocks if block["type"] == "text"]
    text = block["text"]
    direct, citation = block.get("annotations", [])
    assert citation["type"] == direct["type"] == "citation"
    assert citation.get("title") == direct.get("title") == "Al Assad has no intention of quitting — Lavrov"
    assert str(citation.get("url")).startswith(f"{url}/articles/{LAVROV_ID}#q=")
    start, end = citation.get("start_index"), citation.get("end_index")
    assert isinstance(start, int) and isinstance(end, int) and text[start:end].endswith(SENTENCE_END)
    assert text[direct.get("start_index") : direct.get("end_index")] == LAVROV_A

    streamed = None
    for piece in model.stream(LAVROV_Q):
        streamed = piece if streamed is None else streamed + piece
    assert streamed is not None
    (streamed_block,) = [block for block in streamed.content_blocks if block["type"] == "text"]
    assert streamed_block["text"] == text
    assert [(a.get("url"), a.get("title")) for a in streamed_block.get("annotations", [])] == [
        (citation.get("url"), citation.get("title"))
    ] * 2


def test_keys_are_enforced_on_the_responses_api(serve) -> None:
    url, _ = serve(LAVROV_A, api_keys="secret")
    bare = httpx.post(f"{url}/v1/responses", json={"model": "citewire", "input": LAVROV_Q}, timeout=30)
    assert bare.status_code == 401 and bare.headers["www-authenticate"] == "Bearer"
    assert bare.json() == {"error": {"message": bare.json()["error"]["message"], "type": "unauthorized", "code": 401}}
    with pytest.raises(openai.AuthenticationError):
        sdk(url, "wrong").responses.create(model="citewire", input=LAVROV_Q)
    with pytest.raises(openai.NotFoundError):
        sdk(url, "secret").responses.create(model="gpt-4o", input=LAVROV_Q)
    answer = sdk(url, "secret").responses.create(model="citewire", input=LAVROV_Q)
    assert answer.output_text.endswith(SENTENCE_END)
