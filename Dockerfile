# citewire image: models and the seed index baked in, installed through the same script as a
# developer's `make install`. (The HTTP service, HEALTHCHECK and port come with the HTTP issue.)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    CITEWIRE_CACHE_DIR=/app/models \
    CITEWIRE_INDEX_DIR=/app/var/index

RUN useradd --create-home --uid 10001 citewire
WORKDIR /app
COPY --chown=citewire:citewire . /app
USER citewire
RUN PYTHON=python3.11 scripts/install.sh && .venv/bin/citewire ingest seeds/

ENTRYPOINT ["/app/.venv/bin/citewire"]
CMD ["--help"]
