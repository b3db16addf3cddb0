import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toTrainingVolume } from '../data/trainingVolume.ts';
import { writeNiftiLabels } from '../io/nifti/writeNiftiLabels.ts';
import { Random } from '../data/random.ts';
import { createResUNet2D } from '../model/resunet2d.ts';
import type { Params } from '../model/params.ts';
import { decodeCheckpoint } from '../train/checkpoint.ts';
import { createCheckpointPredictor3D, type CheckpointPredictor3D } from '../train/checkpointPredictor3D.ts';
import { inferenceSizeFor, predictVolumeClasses } from '../train/inference.ts';
import { createLabelMap } from '../volume/labels.ts';
import type { PredictArgs } from './args.ts';
import { loadImage, niftiFilesIn } from './dataset.ts';
import { startNodeBackend } from './nodeBackend.ts';
import type { Log } from './train.ts';

/** `pseudolab predict`: one label file per image, same name, same geometry, class values as trained. */
export async function runPredict(args: PredictArgs, log: Log = console.log): Promise<void> {
  await startNodeBackend(args.backend, args.kernels);
  const path = args.model.endsWith('.pslb') ? args.model : join(args.model, 'model.pslb');
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch {
    throw new Error(`no model at ${path} (give the run folder written by pseudolab train)`);
  }
  const ckpt = decodeCheckpoint(bytes);
  const files = niftiFilesIn(args.images);
  if (files.length === 0) throw new Error(`${args.images} holds no NIfTI images`);
  mkdirSync(args.out, { recursive: true });
  const values = ckpt.classes.map((c) => c.value);
  const threeD = ckpt.config.model.kind === '3d';
  const model = { inChannels: ckpt.inChannels, numClasses: ckpt.numClasses, width: ckpt.config.model.width, depth: ckpt.config.model.depth };
  // 2D: slice by slice; 3D: Gaussian-weighted sliding windows of the run's patch (TAK with its saved prompt vectors).
  let net2d: Params | null = null;
  let net3d: CheckpointPredictor3D | null = null;
  for (const [n, file] of files.entries()) {
    const volume = loadImage(join(args.images, file));
    if (volume.channels !== model.inChannels) throw new Error(`${file} has ${volume.channels} channels, the model expects ${model.inChannels}`);
    const tv = toTrainingVolume(volume, createLabelMap(volume.geometry.dims), values);
    let classes: Uint8Array;
    if (threeD) {
      if (!net3d) {
        net3d = createCheckpointPredictor3D(ckpt, [tv]);
        log(`V-Net-3D width ${model.width} depth ${model.depth}, windows ${net3d.patch.join('×')}${net3d.takEncoder ? `; TAK prompts by the ${net3d.takEncoder}` : ''}`);
      }
      classes = await net3d.predictVolumeClasses(tv);
    } else {
      if (!net2d) {
        net2d = createResUNet2D(model, new Random(0));
        net2d.assign(ckpt.teacher ?? ckpt.student);
      }
      classes = (await predictVolumeClasses(net2d, model, tv, inferenceSizeFor([tv], model.depth, [8, 8])))!;
    }
    const labels = classes.map((c) => (c === 0 ? 0 : values[c - 1]!));
    writeFileSync(join(args.out, file.endsWith('.gz') ? file : `${file}.gz`), writeNiftiLabels(labels, volume));
    log(`${n + 1}/${files.length} ${file}`);
  }
  net2d?.dispose();
  net3d?.dispose();
  log(`wrote ${files.length} label files to ${args.out}`);
}
