import { explainRawEngineText } from '../train/engineFailure.ts';

/**
 * What the training panel's error box says. The worker's message may be raw engine text; it is said in the same
 * plain words as the message area (explainRawEngineText), and the raw text moves behind Details. Details that only
 * repeat the message are dropped.
 */
export function plainRunError(error: string, details: string | null): { text: string; details: string | null } {
  const plain = explainRawEngineText(error, 'Training');
  const text = plain ? plain.message : error;
  const raw = details ?? plain?.details ?? null;
  return { text, details: raw && raw !== text ? raw : null };
}
