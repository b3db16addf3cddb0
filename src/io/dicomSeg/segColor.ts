import dcmjs from 'dcmjs';

/**
 * Recommended Display CIELab Value (0062,000D) ↔ sRGB. DICOM scales L* to 0–65535 and a*, b* from −128–127 to
 * 0–65535 (PS3.3 C.10.7.1.1); dcmjs does the colour science (D65, sRGB gamma), this rounds to the stored integers.
 */
export function rgbToDicomLab(rgb: readonly [number, number, number]): [number, number, number] {
  const lab = dcmjs.data.Colors.rgb2DICOMLAB([rgb[0] / 255, rgb[1] / 255, rgb[2] / 255]);
  return lab.map((v) => Math.min(65535, Math.max(0, Math.round(v)))) as [number, number, number];
}

export function dicomLabToRgb(lab: readonly [number, number, number]): [number, number, number] {
  const rgb = dcmjs.data.Colors.dicomlab2RGB([lab[0], lab[1], lab[2]]);
  return rgb.map((v) => Math.min(255, Math.max(0, Math.round(v * 255)))) as [number, number, number];
}
