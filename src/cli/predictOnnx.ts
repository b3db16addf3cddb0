import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { IMAGES_FOLDER } from '../io/monuseg/monusegLayout.ts';
import { OnnxPredictor } from '../train/onnx/onnxPredictor.ts';
import { createOnnxRunner } from '../train/onnx/onnxRunner.ts';
import { describeSidecar, parseSidecar } from '../train/onnx/sidecar.ts';
import type { PredictOnnxArgs } from './args.ts';
import { predictableFilesIn, readImageFile } from './dataset.ts';
import type { Log } from './train.ts';
import { encodePrediction } from './writePrediction.ts';

/** MODEL.json beside MODEL.onnx, unless the user named the sidecar. */
export function sidecarPathFor(onnx: string, sidecar: string | null): string {
  return sidecar ?? join(onnx, '..', `${basename(onnx).replace(/\.onnx$/i, '')}.json`);
}

/**
 * `pseudolab predict --onnx MODEL`: the same contract as `predict --model` (one label file per image, same name and
 * geometry, class values from the sidecar), with a model trained elsewhere run through ONNX Runtime.
 */
export async function runPredictOnnx(args: PredictOnnxArgs, log: Log = console.log): Promise<void> {
  if (!existsSync(args.onnx)) throw new Error(`no ONNX model at ${args.onnx}`);
  const sidecarPath = sidecarPathFor(args.onnx, args.sidecar);
  if (!existsSync(sidecarPath))
    throw new Error(`no sidecar at ${sidecarPath}: an ONNX model needs one (spacing, normalisation, patch, classes; docs/onnx-models.md)`);
  const sidecar = parseSidecar(readFileSync(sidecarPath, 'utf8'), basename(sidecarPath));
  const runner = await createOnnxRunner(new Uint8Array(readFileSync(args.onnx)), { inputName: sidecar.inputName });
  try {
    const { dir, files } = predictableFilesIn(args.images, IMAGES_FOLDER);
    if (files.length === 0) throw new Error(`${args.images} holds no NIfTI, PNG, JPEG or TIFF images`);
    mkdirSync(args.out, { recursive: true });
    log(`${basename(args.onnx)}: ${describeSidecar(sidecar)}`);
    const values = sidecar.classes.map((c) => c.value);
    for (const [n, file] of files.entries()) {
      const volume = await readImageFile(join(dir, file));
      const g = volume.geometry;
      const predictor = new OnnxPredictor(runner, sidecar, { dims: g.dims, spacing: g.spacing, channels: volume.channels, voxels: volume.voxels });
      const classes = await predictor.predictVolumeClasses();
      const labels = classes.map((c) => (c === 0 ? 0 : values[c - 1]!));
      const written = encodePrediction(file, volume, labels, values);
      writeFileSync(join(args.out, written.name), written.bytes);
      log(`${n + 1}/${files.length} ${file} → ${written.name}`);
    }
    log(`wrote ${files.length} label files to ${args.out}`);
  } finally {
    await runner.dispose();
  }
}
