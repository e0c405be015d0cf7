"""What tests and benchmarks share: servers started on loopback and stopped after (a threaded
uvicorn, `citewire serve` processes, a `milvus-lite server`, Debian's nginx)."""
