# The service as a container image:
#   docker build -t pladvisor .
#   docker run -p 8000:8000 --stop-timeout 30 -v pladvisor-data:/var/lib/pladvisor -e PLADVISOR_API_KEYS=... pladvisor
# durable-rules builds from source (a C extension), so a builder stage with a compiler makes the virtual
# environment; the runtime stage copies it, and has no compiler. Both stages use the same Python image, whose
# interpreter the environment's links point to. Python 3.11: the version the project is tested on (durable-rules
# 2.0.28 does not import on 3.13).
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS builder
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/pladvisor
WORKDIR /src
# The dependencies first, read from pyproject.toml alone: a change to the code then reuses this layer rather
# than building durable-rules again.
COPY pyproject.toml ./
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
print('\n'.join(p['dependencies'] + p['optional-dependencies']['server']))" > /tmp/requirements.txt \
    && /opt/pladvisor/bin/pip install -r /tmp/requirements.txt
# The wheel packages rules/ as pladvisor/rules (pyproject's force-include), where the service looks for it.
COPY README.md LICENSE ./
COPY src ./src
COPY rules ./rules
RUN /opt/pladvisor/bin/pip install --no-deps ".[server]" \
    && /opt/pladvisor/bin/pladvisor rules > /dev/null

FROM ${PYTHON_IMAGE}
# The data directory is the one place the service writes: the SQLite database and its -wal and -shm files. It
# is made, owned by the image's user, before VOLUME declares it: a new named volume starts as a copy of it, so
# writable by that user (a bind-mounted host directory keeps its own owner, and must be writable by uid 10001).
RUN groupadd --system --gid 10001 pladvisor \
    && useradd --system --uid 10001 --gid pladvisor --no-create-home --shell /usr/sbin/nologin pladvisor \
    && install -d -o 10001 -g 10001 -m 0750 /var/lib/pladvisor
COPY --from=builder /opt/pladvisor /opt/pladvisor
# The database is brought to this version's schema as the service starts, before its processes do. Against
# one PostgreSQL shared by several containers, set PLADVISOR_UPGRADE_DATABASE=false and run `db upgrade` once
# per release instead.
ENV PATH=/opt/pladvisor/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PLADVISOR_HOST=0.0.0.0 \
    PLADVISOR_PORT=8000 \
    PLADVISOR_DATABASE_URL=sqlite:////var/lib/pladvisor/pladvisor.db \
    PLADVISOR_UPGRADE_DATABASE=true
VOLUME ["/var/lib/pladvisor"]
WORKDIR /var/lib/pladvisor
# A numeric user, so that an orchestrator can check that it is not root (Kubernetes' runAsNonRoot).
USER 10001:10001
EXPOSE 8000
# Ready, not merely alive: the catalog is loaded, the database answers at this version's schema, and the process
# is not draining. slim images have no curl.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PLADVISOR_PORT', '8000') + '/health/ready', timeout=4)"]
ENTRYPOINT ["pladvisor"]
CMD ["serve"]
