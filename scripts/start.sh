#!/usr/bin/env bash
# npm start: installs dependencies on a fresh machine, then serves the app (the demo opens on first visit).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> installing npm dependencies"
  # onnxruntime-node (under @huggingface/transformers) would fetch CUDA libraries at install time from a host these
  # machines cannot reach; its CPU binaries ship inside the npm package, which is all the Node tests use.
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
fi
echo "==> Pseudolab at http://127.0.0.1:5173/ (Chrome or Edge; Ctrl+C stops)"
exec npx vite --host 127.0.0.1 --port 5173 "$@"
