"""The archive as MCP tools (ask, search, get_article, verify), served on stdio by `citewire mcp`
and over streamable HTTP at /mcp (service/http/mcp_endpoint.py)."""
