# One image recipe for every Vigil process; `--build-arg APP=<name>` picks which one it runs:
# gateway, registry-svc, metrics-svc, alert-svc, backup-svc, node-agent or fleet-sim.
ARG NODE_IMAGE=node:22-bookworm-slim

# --- build: install everything, compile every project, keep only production dependencies -------
FROM ${NODE_IMAGE} AS build
ARG NPM_VERSION=11.19.1
RUN npm install --global --no-audit --no-fund npm@${NPM_VERSION}
WORKDIR /repo

# Manifests first, so the dependency layer is rebuilt only when they change.
COPY package.json package-lock.json ./
COPY apps/gateway/package.json apps/gateway/
COPY apps/registry-svc/package.json apps/registry-svc/
COPY apps/metrics-svc/package.json apps/metrics-svc/
COPY apps/alert-svc/package.json apps/alert-svc/
COPY apps/backup-svc/package.json apps/backup-svc/
COPY apps/node-agent/package.json apps/node-agent/
COPY apps/fleet-sim/package.json apps/fleet-sim/
COPY libs/contracts/package.json libs/contracts/
COPY libs/telemetry/package.json libs/telemetry/
COPY libs/messaging/package.json libs/messaging/
COPY libs/event-store/package.json libs/event-store/
COPY libs/platform/package.json libs/platform/
COPY libs/test-support/package.json libs/test-support/
# The lock file lists only Linux x64 binaries (see .ci/run), so `npm install`, which keeps its versions.
RUN npm install --no-audit --no-fund

COPY . .
# /out gets each project's package.json and dist/ (the workspace links in node_modules point there);
# the console (apps/dashboard) is a dist/ only, which the gateway serves at /.
RUN npm run build \
 && for project in apps/* libs/*; do \
      mkdir -p "/out/$project" && { [ ! -f "$project/package.json" ] || cp "$project/package.json" "/out/$project/"; } \
      && cp -r "$project/dist" "/out/$project/dist"; \
    done \
 && find /out -name '*.tsbuildinfo' -delete \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# --- runtime: production dependencies and compiled code only, run as the unprivileged `node` user --
FROM ${NODE_IMAGE} AS runtime
ARG APP=gateway
# backup-svc runs pg_dump, which must be at least the server's major version: Debian's own client
# is older than the Postgres 16 of docker-compose.yml, so it comes from the PostgreSQL apt repository.
ARG PG_CLIENT_MAJOR=16
RUN if [ "$APP" = "backup-svc" ]; then \
      apt-get update \
      && apt-get install -y --no-install-recommends ca-certificates curl \
      && install -d /usr/share/postgresql-common/pgdg \
      && curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc https://www.postgresql.org/media/keys/ACCC4CF8.asc \
      && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" > /etc/apt/sources.list.d/pgdg.list \
      && apt-get update \
      && apt-get install -y --no-install-recommends "postgresql-client-${PG_CLIENT_MAJOR}" \
      && apt-get purge -y curl && apt-get autoremove -y \
      && rm -rf /var/lib/apt/lists/*; \
    fi

ENV NODE_ENV=production APP=${APP}
WORKDIR /app
COPY --from=build /repo/package.json ./
COPY --from=build /repo/node_modules ./node_modules
COPY --from=build /out ./
COPY deploy/docker/healthcheck.js ./healthcheck.js

# /app/entry.js links to the selected process's entry point; the agent's state folder is writable.
RUN set -e; \
    case "$APP" in \
      fleet-sim) entry=apps/fleet-sim/dist/cli.js ;; \
      *) entry="apps/$APP/dist/main.js" ;; \
    esac; \
    if [ ! -f "$entry" ]; then echo "APP=$APP: the build has no $entry" >&2; exit 1; fi; \
    ln -s "/app/$entry" /app/entry.js; \
    install -d -o node -g node /var/lib/vigil-agent

USER node
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["node", "/app/healthcheck.js"]
ENTRYPOINT ["node", "/app/entry.js"]
