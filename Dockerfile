# One image for every process of the platform: web (gunicorn), worker and beat (Celery), and the
# one-shot migrate step. See docker-compose.yml and the README ("Docker Compose").
FROM python:3.11-slim

# PYTHONPATH: code, templates, static and locale files are read from /app, not site-packages.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PLATFORM_ENV=production \
    PYTHONPATH=/app \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/var/media \
    WEB_CONCURRENCY=3

WORKDIR /app

# A Chinese font for the server-drawn referral posters (network.poster); small (about 5 MB).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, pinned in pyproject.toml: this layer is rebuilt only when that file changes.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt

# The project itself, then static files with content-hashed names (served by WhiteNoise).
# Settings need the three variables to import; collectstatic connects to none of them.
COPY . .
RUN pip install --no-deps . \
    && SECRET_KEY=collectstatic-only \
       DATABASE_URL=postgresql://build@localhost/build \
       REDIS_URL=redis://localhost:6379/0 \
       python manage.py collectstatic --noinput --verbosity 0 \
    && useradd --system --create-home --uid 10001 platform \
    && mkdir -p /app/var/media /app/var/beat \
    && chown -R platform:platform /app/var

USER platform
EXPOSE 8000

# gunicorn reads the number of workers from WEB_CONCURRENCY.
CMD ["gunicorn", "platform_site.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
