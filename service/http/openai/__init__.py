"""The OpenAI-compatible surfaces: chat completions and the Responses API (schemas, formatting of
an `Answer` with its citations as annotations, the Responses event stream, quote links)."""
