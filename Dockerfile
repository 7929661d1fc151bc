# aig-feedback: the Slack bot for Cloudflare AI Gateway feedback.
#   docker build -t aig-feedback .
#   docker run --env-file .env -p 3000:3000 -v aig-data:/data aig-feedback
#   docker run --env-file .env aig-feedback aig-feedback doctor
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# README.md is the package's long description, so the build needs it
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install . \
    && groupadd --system --gid 10001 aig \
    && useradd --system --uid 10001 --gid aig --no-create-home --shell /usr/sbin/nologin aig \
    && mkdir /data \
    && chown aig:aig /data

# The SQLite state (votes and the outbox) lives on a volume, so it survives a new container.
ENV AIG_DATABASE_URL=sqlite:////data/aig-feedback.db \
    PORT=3000
VOLUME ["/data"]

# numeric, so that orchestrators can verify the user is not root (runAsNonRoot)
USER 10001:10001
# POST /slack/events in HTTP mode; GET /healthz in both modes
EXPOSE 3000
# slim has no curl: ask /healthz with the standard library (non-2xx raises, exit 1)
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '3000') + '/healthz', timeout=4)"]
CMD ["aig-feedback", "run"]
