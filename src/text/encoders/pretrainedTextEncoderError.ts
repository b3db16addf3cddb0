export type PretrainedTextEncoderErrorCode =
  | 'missing-file'
  | 'invalid-file'
  | 'wrong-architecture'
  | 'remote-not-allowed'
  | 'fetch-failed'
  | 'network-blocked'
  | 'runtime-missing'
  | 'disposed';

/** Every failure names what to fix: the file that is missing or wrong, the URL that was refused, … */
export class PretrainedTextEncoderError extends Error {
  override readonly name = 'PretrainedTextEncoderError';
  constructor(
    readonly code: PretrainedTextEncoderErrorCode,
    message: string,
    /** The model file concerned, as a path inside the model folder. */
    readonly file?: string,
  ) {
    super(message);
  }
}
