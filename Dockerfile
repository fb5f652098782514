# syntax=docker/dockerfile:1
# oec-chatops: the Slack bot for Odoo on oec.sh.
#
#   docker build -t oec-chatops .
#   docker run -d --name oec-chatops -p 3000:3000 -v oec-chatops-data:/data \
#     -e SLACK_BOT_TOKEN -e SLACK_SIGNING_SECRET -e OEC_API_KEY -e OEC_WEBHOOK_SECRET oec-chatops
#
# Configuration comes only from the environment (see the README's table); nothing secret is
# baked into the image. The SQLite database lives on the /data volume.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- build: the project and every dependency as wheels ------------------------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN python -m pip wheel --wheel-dir /wheels .

# ---- runtime: the wheels installed offline, run as an unprivileged user --------------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    python -m pip install --no-index --find-links /wheels oec-chatops
RUN groupadd --system --gid 10001 oec \
    && useradd --system --uid 10001 --gid oec --home-dir /data --no-create-home \
       --shell /usr/sbin/nologin oec \
    && mkdir -p /data \
    && chown oec:oec /data
ENV OEC_CHATOPS_DB=/data/oec-chatops.db \
    PORT=3000
VOLUME ["/data"]
WORKDIR /data
USER 10001:10001
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]
# SIGTERM: stop taking requests, finish the ones in flight, flush the outbox, close the database.
STOPSIGNAL SIGTERM
CMD ["oec-chatops", "serve", "--host", "0.0.0.0"]
