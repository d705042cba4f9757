# One image for every service of the e-book rental platform; the command picks the service.
# TypeScript runs through tsx (no build step), so tsx and prisma (devDependencies) stay in the image.
#
# Long-running services are started as `node --import tsx <entry>` (what `pnpm start:<service>`
# runs, without pnpm in front): node is then PID 1 and gets SIGTERM itself. Under `pnpm start:*`
# as PID 1, pnpm exits as soon as it forwards SIGTERM, which kills the service mid-shutdown.
#   gateway          node --import tsx router/src/main.ts            (default)
#   user             node --import tsx subgraphs/user/src/main.ts
#   book-management  node --import tsx subgraphs/book-management/src/main.ts
#   rental           node --import tsx subgraphs/rental/src/main.ts
#   payment          node --import tsx subgraphs/payment/src/main.ts
#   rental-view      node --import tsx subgraphs/rental-view/src/main.ts
#   migrations       pnpm migrate   (one-off, exit code matters, no shutdown to protect)
#
#   docker build -t ghcr.io/ebook-rental/platform:latest .
# Node 22 LTS: Node 20 reached end of life in April 2026 and oidc-provider 9 warns "Unsupported runtime. Use Node.js v22.x LTS" on it.
FROM node:22-bookworm-slim

# Keep in step with "packageManager" in package.json: with another version pnpm 10 would try to
# download that one at run time (manage-package-manager-versions).
ARG PNPM_VERSION=10.34.9
RUN npm install -g "pnpm@${PNPM_VERSION}" && npm cache clean --force

WORKDIR /app

# 1) Dependency manifests only, so the install layer is rebuilt only when they change.
#    Every workspace package (pnpm-workspace.yaml) needs its package.json line here.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY events/package.json events/
COPY router/package.json router/
COPY subgraphs/kit/package.json subgraphs/kit/
COPY subgraphs/user/package.json subgraphs/user/
COPY subgraphs/book-management/package.json subgraphs/book-management/
COPY subgraphs/rental/package.json subgraphs/rental/
COPY subgraphs/payment/package.json subgraphs/payment/
COPY subgraphs/rental-view/package.json subgraphs/rental-view/
# The postinstall script (scripts/prisma-generate.mjs) runs `prisma generate` offline for every
# context into subgraphs/*/src/generated: it reads prisma/, and prisma/config.ts imports
# subgraphs/kit/src/db-url.ts.
COPY scripts/prisma-generate.mjs scripts/
COPY prisma/ prisma/
COPY subgraphs/kit/src/db-url.ts subgraphs/kit/src/

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

EXPOSE 4000 4001 4002 4003 4004 4005
CMD ["node", "--import", "tsx", "router/src/main.ts"]
