# syntax=docker/dockerfile:1
# One multi-stage file for the whole stack; pick the image with --target:
#   api      the HTTP api          (node dist/main.js, ports 8080 and 9090)
#   worker   the notification worker (node dist/main.js)
#   migrate  the one-shot migration (npm run migrate = packages/db `migrate` script)
# docker-compose.yml builds all three. Runtime images hold production
# dependencies only (`pnpm deploy --prod`) and run as the unprivileged `node` user.
#
# NODE_VERSION: a Node.js LTS line (the project is tested on 20, 22 and 24).
ARG NODE_VERSION=24
ARG PNPM_VERSION=12.4.2

# ---- build: install from the lockfile, bundle both apps, prune per app ----
FROM node:${NODE_VERSION}-bookworm-slim AS build
ARG PNPM_VERSION
ENV CI=true
RUN npm install -g "pnpm@${PNPM_VERSION}"
WORKDIR /repo

# Manifests first, so the dependency layer is reused while only sources change.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml turbo.json tsconfig.base.json ./
COPY apps/api/package.json apps/api/
COPY apps/worker/package.json apps/worker/
COPY packages/contracts/package.json packages/contracts/
COPY packages/core/package.json packages/core/
COPY packages/db/package.json packages/db/
COPY packages/platform/package.json packages/platform/
COPY packages/sdk/package.json packages/sdk/
# The repository checks (test-only) are a workspace package of the lockfile too; no image holds them.
COPY tests/deployment/package.json tests/deployment/
RUN pnpm install --frozen-lockfile

COPY apps apps
COPY packages packages
RUN pnpm exec turbo run build --filter=@statuspage/api --filter=@statuspage/worker

# One self-contained folder per image with production dependencies only. The
# bundles resolve @statuspage/db's package (its migrations/ folder) at run
# time: `pnpm deploy` copies the workspace package, migrations included.
RUN pnpm --filter @statuspage/api deploy --prod --offline /out/api \
 && pnpm --filter @statuspage/worker deploy --prod --offline /out/worker \
 && pnpm --filter @statuspage/db deploy --prod --offline /out/migrate \
 && test -d /out/api/node_modules/@statuspage/db/migrations \
 && test -d /out/worker/node_modules/@statuspage/db/migrations \
 && test -d /out/migrate/migrations \
 && rm -rf /out/*/test /out/*/node_modules/@statuspage/*/test

# ---- runtime base: slim Node, production mode, unprivileged user ----
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Files stay owned by root (read-only for the process); it runs as `node` (uid 1000).
USER node

FROM runtime AS migrate
COPY --from=build /out/migrate /app
CMD ["npm", "run", "migrate"]

FROM runtime AS worker
COPY --from=build /out/worker /app
CMD ["node", "dist/main.js"]

# Last stage: the default target is the api.
FROM runtime AS api
COPY --from=build /out/api /app
EXPOSE 8080 9090
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.SERVER_PORT || 8080) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js"]
