# The agent console (clients/web, Next.js) with the TypeScript client it is built on.
# Build from the repository root: docker build -f deploy/web.Dockerfile -t warmtransfer-console .
FROM node:22-slim

ENV NEXT_TELEMETRY_DISABLED=1
WORKDIR /app
COPY clients/typescript clients/typescript
COPY clients/web clients/web
RUN cd clients/typescript && npm ci --no-audit --no-fund \
  && cd ../web && npm ci --no-audit --no-fund && npm run build

USER node
WORKDIR /app/clients/web
EXPOSE 3000
CMD ["node_modules/.bin/next", "start", "-H", "0.0.0.0", "-p", "3000"]
