import type { Database } from '../persist/database.ts';
import type { AppStore } from '../store/appStore.ts';
import { TrainingController } from './training/TrainingController.ts';

export { TrainingController };

/*
 * The page has one training controller, made at bootstrap; the panels reach it through trainingController().
 */

let instance: TrainingController | null = null;

export function initTrainingController(store: AppStore, db: Database | null): TrainingController {
  instance?.dispose();
  instance = new TrainingController(store, db);
  void instance.loadCheckpointInfo();
  return instance;
}

export function trainingController(): TrainingController | null {
  return instance;
}
