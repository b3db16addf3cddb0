/**
 * The part of dcmjs (which ships no types) that io/dicomSeg uses: naturalized data sets (keyword → value,
 * sequences as arrays of objects) to and from the DICOM Part 10 encoding, and its CIELab conversion.
 */
declare module 'dcmjs' {
  export type NaturalDataset = Record<string, unknown> & { _vrMap?: Record<string, string>; _meta?: Record<string, unknown> };
  interface DicomDictInstance {
    meta: Record<string, unknown>;
    dict: Record<string, unknown>;
    write(options?: { allowInvalidVRLength?: boolean }): ArrayBuffer;
  }
  const dcmjs: {
    data: {
      DicomDict: new (meta: Record<string, unknown>) => DicomDictInstance;
      DicomMessage: { readFile(buffer: ArrayBuffer, options?: { ignoreErrors?: boolean; untilTag?: string }): DicomDictInstance };
      DicomMetaDictionary: {
        naturalizeDataset(dict: Record<string, unknown>): NaturalDataset;
        denaturalizeDataset(dataset: NaturalDataset): Record<string, unknown>;
      };
      Colors: {
        /** sRGB in [0, 1] → DICOM's scaled CIELab, unrounded. */
        rgb2DICOMLAB(rgb: [number, number, number]): [number, number, number];
        /** DICOM's scaled CIELab → sRGB in [0, 1]. */
        dicomlab2RGB(lab: [number, number, number]): [number, number, number];
      };
    };
  };
  export default dcmjs;
}
