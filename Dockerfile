# citewire image: the models and the seed index baked in, installed with the same Makefile
# targets a developer uses (`make install`, `make ingest-seeds`), run as a non-root user.
#   make image          (podman, offline: scripts/build-image.sh makes the base with debootstrap)
#   docker build -t citewire . && docker run -p 8000:8000 citewire
FROM debian:bookworm-slim

# Python 3.11 is bookworm's python3; make drives the install, exactly as on a developer machine
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv make ca-certificates \
    && rm -rf /var/lib/apt/lists/*

# From the build machine, for the install step only (scripts/build-image.sh mounts them): a folder
# of wheels (torch's CPU build), and the CA bundle of a TLS-intercepting proxy in front of PyPI
ARG PIP_FIND_LINKS=""
ARG PIP_CERT=""
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    PYTHON=python3.11 \
    CITEWIRE_CACHE_DIR=/app/models \
    CITEWIRE_INDEX_DIR=/app/var/index \
    CITEWIRE_HOST=0.0.0.0 \
    CITEWIRE_PORT=8000

RUN useradd --create-home --uid 10001 citewire
WORKDIR /app
COPY --chown=10001:10001 . /app
USER 10001
RUN if [ -z "$PIP_FIND_LINKS" ]; then unset PIP_FIND_LINKS; fi \
    && if [ -z "$PIP_CERT" ]; then unset PIP_CERT; fi \
    && make install ingest-seeds \
    && rm -rf /home/citewire/.cache/pip

EXPOSE 8000
# healthy = models loaded and index present (/readyz answers 200); loading takes ~15-30 s
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["/app/.venv/bin/python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4)"]

ENTRYPOINT ["/app/.venv/bin/citewire"]
CMD ["serve"]
