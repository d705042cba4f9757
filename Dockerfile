# One image for every service of the e-book rental platform; the command picks the service.
# TypeScript runs through tsx (no build step), so tsx and prisma (devDependencies) stay in the image.
#
# Long-running services are started as `node --import tsx <entry>` (what `pnpm start <service>`
# runs, without pnpm in front): node is then PID 1 and gets SIGTERM itself. Under `pnpm start`
# as PID 1, pnpm exits as soon as it forwards SIGTERM, which kills the service mid-shutdown.
#   gateway          node --import tsx router/src/main.ts            (default)
#   <context>        node --import tsx subgraphs/<context>/src/main.ts   (every context of contexts.ts)
#   migrations       pnpm migrate   (one-off, exit code matters, no shutdown to protect)
#
#   docker build -t ghcr.io/ebook-rental/platform:latest .
# Node 22 LTS: Node 20 reached end of life in April 2026 and oidc-provider 9 warns "Unsupported runtime. Use Node.js v22.x LTS" on it.
# 0) The install's inputs alone: every workspace package.json (pnpm-workspace.yaml: events,
#    router, subgraphs/*), the lockfile, and what the postinstall script reads
#    (scripts/prisma-generate.mjs runs `prisma generate` offline for every folder prisma/<context>/
#    into subgraphs/*/src/generated; prisma/config.ts imports contexts.ts, the registry, and
#    subgraphs/kit/src/db-url.ts). Copying them as a stage's output keeps the install layer below
#    cached while only sources change, and a new context needs no line here.
FROM node:22-bookworm-slim AS manifests
WORKDIR /app
COPY . .
RUN find . -type f \
      ! -name package.json ! -name pnpm-lock.yaml ! -name pnpm-workspace.yaml \
      ! -path './prisma/*' ! -path ./scripts/prisma-generate.mjs ! -path ./contexts.ts ! -path ./subgraphs/kit/src/db-url.ts \
      -delete

FROM node:22-bookworm-slim

# Keep in step with "packageManager" in package.json: with another version pnpm 10 would try to
# download that one at run time (manage-package-manager-versions).
ARG PNPM_VERSION=10.34.9
RUN npm install -g "pnpm@${PNPM_VERSION}" && npm cache clean --force

WORKDIR /app

# 1) Dependency manifests only (stage `manifests`), so the install layer is rebuilt only when they change.
COPY --from=manifests /app ./

# NODE_ENV is deliberately still unset here: with NODE_ENV=production pnpm would skip the
# devDependencies, and tsx + prisma are needed at run time.
RUN pnpm install --frozen-lockfile

# 2) Sources (.dockerignore keeps node_modules and the generated clients out, so the install
#    above is not overwritten).
COPY . .

ENV NODE_ENV=production \
    CHECKPOINT_DISABLE=1 \
    PRISMA_HIDE_UPDATE_MESSAGE=1 \
    npm_config_update_notifier=false

# The base image's unprivileged user (uid/gid 1000). Everything under /app stays root-owned and
# read-only to it; tsx only writes its compile cache to /tmp.
USER node

# The gateway's port; each context listens on its `PORT` (defaults in contexts.ts).
EXPOSE 4000
CMD ["node", "--import", "tsx", "router/src/main.ts"]
