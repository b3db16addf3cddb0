#!/usr/bin/env bash
# The one test command (npm test): installs what is missing, then typecheck, layer rules, lint, unit tests in Node,
# the production build, and browser journeys in Chromium. .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p e2e-artifacts

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> installing npm dependencies"
  # onnxruntime-node (under @huggingface/transformers) would fetch CUDA libraries at install time from a host these
  # machines cannot reach; its CPU binaries ship inside the npm package, which is all the Node tests use.
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
fi

CHROMIUM="${PSEUDOLAB_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  echo "==> installing Debian's Chromium (browser journeys need it)"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

# Node's WebGPU tests run Dawn (npm `webgpu`) on Chromium's SwiftShader, which needs the Vulkan loader.
if ! ldconfig -p 2>/dev/null | grep -q libvulkan.so.1 && [ ! -e /usr/lib/x86_64-linux-gnu/libvulkan.so.1 ]; then
  echo "==> installing the Vulkan loader (WebGPU tests in Node)"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends libvulkan1 >/dev/null
fi

# The io conformance tests compare our readers with the reference readers (nibabel, pydicom, Pillow for JPEG
# colour, dcm2niix); without them those tests skip, so CI installs them to make the comparison real.
if ! /usr/bin/python3 -c 'import nibabel, pydicom, PIL, onnx' 2>/dev/null || ! command -v dcm2niix >/dev/null || ! command -v dciodvfy >/dev/null || ! command -v Orthanc >/dev/null || [ ! -e /usr/share/orthanc/plugins/libOrthancDicomWeb.so ]; then
  echo "==> installing reference tools for the interop tests (nibabel, pydicom, Pillow, dcm2niix, dciodvfy, Orthanc + DICOMweb, ONNX)"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-nibabel python3-pydicom python3-pil dcm2niix dicom3tools orthanc orthanc-dicomweb python3-onnx >/dev/null
fi

echo "==> typecheck"
npx tsc --noEmit -p tsconfig.json

# The layer rules of docs/architecture.md, written down in .dependency-cruiser.cjs (the page never loads tfjs).
echo "==> layer rules (dependency-cruiser)"
npx depcruise src --config .dependency-cruiser.cjs

echo "==> lint (Biome)"
npx biome lint

# One layout for all the code (biome.json: width 160, single quotes); `npm run format` applies it.
echo "==> format (Biome)"
npx biome format

echo "==> unit tests (Node)"
unit_rc=0
npx vitest run --reporter=default --reporter=json --outputFile=e2e-artifacts/unit-report.json || unit_rc=$?

echo "==> production build"
npx vite build --logLevel warn
node scripts/bundle-size.mjs dist

echo "==> browser journeys (Chromium)"
e2e_rc=0
npx playwright test || e2e_rc=$?

node scripts/summarize-tests.mjs e2e-artifacts/unit-report.json e2e-artifacts/report.json
if [ "$unit_rc" -ne 0 ] || [ "$e2e_rc" -ne 0 ]; then exit 1; fi
