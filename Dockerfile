# Chancery: one image for web, worker and beat; the command picks the process.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DEBUG=0 CHANCERY_VAR_DIR=/app/var
WORKDIR /app

RUN useradd --create-home --uid 1000 chancery
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN pybabel compile -d locale -D django \
 && SECRET_KEY=build-only CREDENTIALS_KEYS=build-only python manage.py collectstatic --noinput -v 0 \
 && mkdir -p /app/var && chown -R chancery /app/var
USER chancery

EXPOSE 8000
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
