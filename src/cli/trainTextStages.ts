import type { TrainingVolume } from '../data/trainingVolume.ts';
import { usesText, type TrainConfig } from '../train/config.ts';
import type { FromWorker } from '../train/protocol.ts';
import { TakStage } from '../train/session/takStage.ts';
import { vlmImageSizeOf, type SegmentationRun } from '../train/session/trainerOps.ts';
import { PretrainRun, VisionLanguageStage } from '../train/session/visionLanguageStage.ts';
import { describePretrainStop, type PretrainPlan } from '../train/vlm/pretrainLength.ts';
import { createVlmPretrainer } from '../train/vlm/textStage.ts';
import { classesForText, withAnatomyDefaults } from '../text/anatomyDefaults.ts';
import { takPromptTexts } from '../text/takPrompts.ts';
import { workspaceTexts } from '../text/workspaceTexts.ts';
import { makeClass } from '../volume/classes.ts';
import type { TrainArgs } from './args.ts';
import type { DatasetFolder } from './dataset.ts';

type Log = (line: string) => void;

/**
 * Stage 1 and 2 of the text presets, or TAK's prompts, set up as the session sets them up (session/), with their
 * events as log lines. The text presets align a vision–language model on the data's own texts, then let each
 * class's prompt draw a mask that joins the teacher's pseudo-label. TAK encodes each class's position and shape
 * text (the dataset's own, else built-in anatomy defaults) with the workspace's learned text tower, pre-trained on
 * 2D slices for --vlm-steps when asked.
 */
export async function textStages(
  trainer: SegmentationRun,
  cfg: TrainConfig,
  train: TrainingVolume[],
  d: { folder: DatasetFolder; args: TrainArgs; caseIds: string[]; classValues: number[] },
  log: Log,
): Promise<{ text: VisionLanguageStage | null; tak: TakStage | null }> {
  const byId = new Map(d.folder.cases.map((c) => [c.id, c]));
  const className = (v: number) => d.folder.classes.find((c) => c.value === v)?.name ?? `Class ${v}`;
  const descriptions = d.caseIds.map((id) => byId.get(id)?.description);
  const started = performance.now();
  if (trainer.kind === '3d' && cfg.tak.enabled) {
    const classDefs = d.classValues.map((v) => withAnatomyDefaults(makeClass(v, className(v)), d.folder.name ?? d.args.data));
    const tak = takPromptTexts(classDefs, d.folder.modality);
    const texts = workspaceTexts(classDefs, descriptions, d.folder.modality);
    const steps = d.args.vlmSteps ?? 0;
    const pre = createVlmPretrainer(
      train,
      trainer.pools,
      { ...texts, classes: [...texts.classes, ...tak.position.slice(1), ...tak.shape.slice(1)] },
      vlmImageSizeOf(trainer),
      { ...cfg, vlm: { ...cfg.vlm, steps } },
    );
    logPool(pre.cfg.objective, pre.pool.texts.length, pre.pool.train.length, log);
    const emit = eventLog(log, started);
    const run = new PretrainRun(pre, { ...cfg.vlm, steps }, { retrievalEvery: 100, emit });
    await run.measure();
    while (await run.advance(started)) {}
    logStop(run.plan, log);
    const done = pre.step;
    const name = done > 0 ? `learned text transformer (${done} pre-training steps)` : 'learned text transformer (seeded, not pre-trained)';
    const stage = await TakStage.start({
      trainer,
      volumes: train,
      texts,
      tak,
      takVectors: null,
      saved: null,
      emit,
      learned: { provider: 'learned', name, embedder: pre, dispose: () => pre.dispose() },
    });
    tak.position.forEach((t, k) => log(`  class ${k} position: ${t}`));
    tak.shape.forEach((t, k) => log(`  class ${k} shape: ${t}`));
    log(`the model now has ${trainer.student.count()} parameters`);
    return { text: null, tak: stage };
  }
  if (trainer.kind === '2d' && usesText(cfg.preset) && cfg.text.enabled) {
    const classDefs = d.classValues.map((v) => makeClass(v, className(v)));
    const texts = workspaceTexts(classesForText(classDefs, d.folder.name ?? d.args.data, cfg.text.anatomyPrompts === true), descriptions, d.folder.modality);
    const emit = eventLog(log, started);
    const stage = await VisionLanguageStage.start({ trainer, volumes: train, config: cfg, texts, textVectors: null, stored: null, emit, retrievalEvery: 100 });
    const pool = stage.pool;
    logPool(pool.objective, pool.texts, pool.pairs, log);
    texts.classes.forEach((t, k) => log(`  class ${k + 1} text: ${t}`));
    while (!(await stage.step(trainer, false, started))) {}
    logStop(stage.run.plan, log);
    return { text: stage, tak: null };
  }
  return { text: null, tak: null };
}

function logPool(objective: string, texts: number, pairs: number, log: Log): void {
  log(`vision–language pre-training (${objective}): ${texts} texts, ${pairs} pairs`);
}

/** With `vlm.maxStepsUntilRetrieval` on, why stage 1 stopped where it did. */
function logStop(plan: PretrainPlan, log: Log): void {
  if (plan.extends && plan.stopped) log(`pre-training stopped: ${describePretrainStop(plan.stopped, plan.cap ?? 0)}`);
}

/**
 * The text stages' events as the CLI's log lines: every 50th pre-training step (and the last planned so far, which
 * grows while retrieval stays at chance with `vlm.maxStepsUntilRetrieval`), retrievals, the encoder, notices.
 */
function eventLog(log: Log, started: number): (m: FromWorker) => void {
  return (m) => {
    if (m.type === 'vlmStep' && (m.report.step % 50 === 0 || m.report.step === m.totalSteps)) {
      const r = m.report;
      const totalSteps = m.totalSteps;
      const terms = Object.entries(r.losses.terms)
        .map(([k, v]) => `${k} ${v.toFixed(4)}`)
        .join(' ');
      log(
        `vlm step ${r.step}/${totalSteps}  loss ${r.losses.total.toFixed(4)} (${terms})  τ ${r.tau.toFixed(3)}  D̂ ${r.uncertaintyWeight.toPrecision(2)}  ${((performance.now() - started) / 1000).toFixed(0)} s`,
      );
    }
    if (m.type === 'vlmRetrieval')
      log(`  retrieval at step ${m.report.step}: ${m.report.accuracy.toFixed(3)} over ${m.report.pairs} held-out pairs (chance ${m.report.chance.toFixed(3)})`);
    if (m.type === 'textEncoder') log(`prompts encoded by the ${m.name}, ${m.dim} wide`);
    if (m.type === 'notice' || m.type === 'error') log(`note: ${m.message}`);
  };
}
