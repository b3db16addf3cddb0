/**
 * Where the WebAssembly codecs (JPEG 2000, JPEG-LS, JPEG baseline) live. The app serves them under /codecs/
 * (see vite.config.ts); Node tests point at a folder holding copies from node_modules (testing/nodeCodecs.ts).
 * The setting is module state, so each realm that decodes DICOM (the page, and any worker that opens files)
 * calls configureDicomCodecs once before opening.
 */
export interface DicomCodecConfig {
  wasmBasePath?: string;
}

let config: DicomCodecConfig = {};

export function configureDicomCodecs(c: DicomCodecConfig): void {
  config = { ...c };
}

export function dicomCodecConfig(): DicomCodecConfig {
  return config;
}
