FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY collecte ./collecte
COPY workers ./workers
COPY templates ./templates
COPY labels ./labels
RUN pip install --no-cache-dir -e . && \
    pybabel compile -d collecte/translations -D messages
RUN useradd --create-home collecte && mkdir -p /data && chown collecte /data
USER collecte
EXPOSE 8000
