import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toTrainingVolume } from '../data/trainingVolume.ts';
import { Random } from '../data/random.ts';
import { createResUNet2D } from '../model/resunet2d.ts';
import type { Params } from '../model/params.ts';
import { decodeCheckpoint } from '../train/checkpoint.ts';
import { createCheckpointPredictor3D, type CheckpointPredictor3D } from '../train/checkpointPredictor3D.ts';
import { predictVolumeClasses } from '../train/inference.ts';
import { inferencePatch2D } from '../train/inferenceSpec.ts';
import { createLabelMap } from '../volume/labels.ts';
import type { PredictArgs } from './args.ts';
import { IMAGES_FOLDER } from '../io/monuseg/monusegLayout.ts';
import { matchChannels, predictableFilesIn, readImageFile } from './dataset.ts';
import { startNodeBackend } from './nodeBackend.ts';
import type { Log } from './train.ts';
import { encodePrediction } from './writePrediction.ts';

/**
 * `pseudolab predict`: one label file per image of a folder (or of a MoNuSeg folder's img/). NIfTI in, NIfTI out:
 * same name, same geometry, class values as trained. PNG, JPEG or TIFF in, a PNG mask of the same size out,
 * named after the image (`a.tif` → `a.png`); a one-class model writes 0/255, several classes their values
 * (writePrediction.ts says why).
 */
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
  const { dir: imageDir, files } = predictableFilesIn(args.images, IMAGES_FOLDER);
  if (files.length === 0) throw new Error(`${args.images} holds no NIfTI, PNG, JPEG or TIFF images`);
  mkdirSync(args.out, { recursive: true });
  const values = ckpt.classes.map((c) => c.value);
  const threeD = ckpt.config.model.kind === '3d';
  const model = { inChannels: ckpt.inChannels, numClasses: ckpt.numClasses, width: ckpt.config.model.width, depth: ckpt.config.model.depth };
  // 2D: slice by slice; 3D: Gaussian-weighted sliding windows of the run's patch (TAK with its saved prompt vectors).
  let net2d: Params | null = null;
  let net3d: CheckpointPredictor3D | null = null;
  let loggedWindow = false;
  for (const [n, file] of files.entries()) {
    const volume = matchChannels(await readImageFile(join(imageDir, file)), model.inChannels);
    const tv = toTrainingVolume(volume, createLabelMap(volume.geometry.dims), values);
    let classes: Uint8Array;
    if (threeD) {
      if (!net3d) {
        net3d = createCheckpointPredictor3D(ckpt, [tv]);
        log(
          `V-Net-3D width ${model.width} depth ${model.depth}, windows ${net3d.patch.join('×')}${net3d.takEncoder ? `; TAK prompts by the ${net3d.takEncoder}` : ''}`,
        );
      }
      classes = await net3d.predictVolumeClasses(tv);
    } else {
      if (!net2d) {
        net2d = createResUNet2D(model, new Random(0));
        net2d.assign(ckpt.teacher ?? ckpt.student);
      }
      // Windows of the training patch, as in training and `train`'s evaluation (inferenceSpec.ts).
      const { patch, recorded } = inferencePatch2D(ckpt, [tv]);
      if (!loggedWindow) {
        loggedWindow = true;
        log(
          `ResUNet-2D width ${model.width} depth ${model.depth}, windows ${patch.join('×')}${recorded ? '' : ' (guessed: this model file predates recorded patches; re-save it with this version)'}`,
        );
      }
      classes = (await predictVolumeClasses(net2d, model, tv, patch))!;
    }
    const labels = classes.map((c) => (c === 0 ? 0 : values[c - 1]!));
    const written = encodePrediction(file, volume, labels, values);
    writeFileSync(join(args.out, written.name), written.bytes);
    log(`${n + 1}/${files.length} ${file} → ${written.name}`);
  }
  net2d?.dispose();
  net3d?.dispose();
  log(`wrote ${files.length} label files to ${args.out}`);
}
